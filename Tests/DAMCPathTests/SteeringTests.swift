import DAMCPath
import DAMCWire
import Testing

/// The SCSC's steering decisions on a small network: g1 reaches g2 over
/// r1 (cost 20) or r2 (cost 40), and g3 over r2 (cost 30); g2 and g3 serve
/// /B; gateways are not transit. Capacities 100 Mb/s.
@Suite("Steering: where the SCSC sends calls when conditions break")
struct SteeringTests {
    static let names = ["g1", "r1", "r2", "g2", "g3"]
    static let graph = PathGraph(names: names, links: [
        .init(a: 0, b: 1, cost: 10, capacity: 100), .init(a: 1, b: 3, cost: 10, capacity: 100),
        .init(a: 0, b: 2, cost: 20, capacity: 100), .init(a: 2, b: 3, cost: 20, capacity: 100),
        .init(a: 2, b: 4, cost: 10, capacity: 100),
    ], transit: [false, true, true, false, false])
    static let b = try! ServiceName("/B")

    static func decide(_ servers: [Steering.Server], load: NetworkLoad? = nil) -> [Steering.Decision] {
        Steering.decide(graph: graph, load: load ?? NetworkLoad(graph: graph), ingresses: [0, 3, 4],
                        serving: [b: servers], threshold: 0.9)
    }

    static func path(_ decision: Steering.Decision?) -> [String] { decision?.path.map { names[$0] } ?? [] }

    @Test("all well: routing's choice stands, no decision")
    func quiet() {
        #expect(Self.decide([.init(gateway: 3, ok: true), .init(gateway: 4, ok: true)]).isEmpty)
    }

    @Test("the nearest gateway breaks its conditions: calls go to the other one, and only from gateways that do not serve")
    func instanceDown() {
        let decisions = Self.decide([.init(gateway: 3, ok: false, why: "10.0.0.1:80 is down"), .init(gateway: 4, ok: true)])
        #expect(decisions.count == 1)
        #expect(decisions.first?.ingress == 0)
        #expect(Self.path(decisions.first) == ["g1", "r2", "g3"])
        #expect(decisions.first?.reason == "g2: 10.0.0.1:80 is down")
    }

    @Test("no gateway meets the conditions: nothing better, no decision")
    func nowhereBetter() {
        #expect(Self.decide([.init(gateway: 3, ok: false), .init(gateway: 4, ok: false)]).isEmpty)
    }

    @Test("a congested link on routing's path: CCDR goes around it to the same gateway")
    func congestion() {
        var load = NetworkLoad(graph: Self.graph)
        load.set(2, 95)   // r1 -> g2 at 95%
        let decisions = Self.decide([.init(gateway: 3, ok: true)], load: load)
        #expect(decisions.count == 1)
        #expect(Self.path(decisions.first) == ["g1", "r2", "g2"])
        #expect(decisions.first?.reason == "r1->g2 at 95% over 90%")
        // Under the threshold: no decision.
        load.set(2, 85)
        #expect(Self.decide([.init(gateway: 3, ok: true)], load: load).isEmpty)
    }
}
