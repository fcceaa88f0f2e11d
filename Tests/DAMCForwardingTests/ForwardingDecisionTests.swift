import DAMCForwarding
import DAMCRouting
import DAMCTopology
import Foundation
import PropertyBased
import DAMCWire
import Testing

@Suite("Hop decisions")
struct ForwardingDecisionTests {
    static func name(_ text: String) -> ServiceName { try! ServiceName(text) }
    static func node(_ text: String) -> NodeID { try! NodeID(text) }

    static func table() -> ForwardingTable {
        var fib = FIB()
        fib.apply(contentsOf: [
            .add(name("/B"), [.neighbor(link: 1, node: node("sr1")), .neighbor(link: 2, node: node("sr2"))]),
            .add(name("/A"), [.local]),
            .add(name("/A/admin"), [.neighbor(link: 2, node: node("sr2"))]),
        ])
        return ForwardingTable(node: node("sg1"), fib: fib,
                               nodes: [node("sg4"): [.neighbor(link: 1, node: node("sr1"))], node("sr1"): [.neighbor(link: 1, node: node("sr1"))]],
                               alternates: [name("/A"): [node("sg4")]])
    }

    @Test("request targets name services by whole components")
    func names() throws {
        #expect(try RequestName.name(forTarget: "/shop/cart/items/42?x=1#f") == Self.name("/shop/cart/items/42"))
        #expect(try RequestName.name(forTarget: "//shop//cart/") == Self.name("/shop/cart"))
        #expect(try RequestName.name(forTarget: "http://host:80/pkg.Service/Method") == Self.name("/pkg.Service/Method"))
        #expect(try RequestName.name(forTarget: "/a%2Fb") == Self.name("/a%2Fb"))
        let long = "/" + (1...40).map { "c\($0)" }.joined(separator: "/")
        #expect(try RequestName.name(forTarget: long).count == 32)
        #expect(throws: HTTPError.self) { try RequestName.name(forTarget: "*") }
        #expect(throws: HTTPError.self) { try RequestName.name(forTarget: "/a/../b") }
        #expect(throws: HTTPError.self) { try RequestName.name(forTarget: "/a%zz") }
    }

    /// The name of a target as first written: split into strings, joined, parsed.
    static func referenceName(_ target: String) -> ServiceName? {
        var path = Substring(target)
        if !path.hasPrefix("/") {
            let parts = path.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            path = parts[1].firstIndex(of: "/").map { parts[1][$0...] } ?? "/"
        }
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let components = path.split(separator: "/", omittingEmptySubsequences: true).prefix(32)
        return try? ServiceName("/" + components.joined(separator: "/"))
    }

    @Test("request names equal the reference's for generated targets")
    func namesAgainstReference() async {
        let pieces = ["/", "//", "a", "B", "..", ".", "%2F", "%zz", "?", "#", "x=1", "http://", "h:80", "é", " ", "c"]
        await propertyCheck(count: 2000, input: Gen.int(in: 0...Int.max)) { seed in
            var state = UInt64(seed), target = ""
            for _ in 0..<(seed % 12) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                target += pieces[Int(state >> 33) % pieces.count]
            }
            if seed % 7 == 0 { target += String(repeating: "/p", count: 40) }
            let fast = try? RequestName.name(forTarget: target)
            #expect(fast == Self.referenceName(target), "\(target.debugDescription)")
        }
    }

    @Test("longest match, local service, no route, hop limit")
    func decisions() {
        let table = Self.table()
        #expect(table.decide(name: Self.name("/A/x"), hopLimit: 5, flowID: 1) == .local(matched: Self.name("/A")))
        #expect(table.decide(name: Self.name("/A/admin/x"), hopLimit: 5, flowID: 1)
            == .forward(link: 2, node: Self.node("sr2"), matched: Self.name("/A/admin"), target: nil, policy: nil))
        if case .refuse(.noRoute, _) = table.decide(name: Self.name("/C"), hopLimit: 5, flowID: 1) {} else {
            Issue.record("expected no-route")
        }
        if case .refuse(.hopLimitExceeded, _) = table.decide(name: Self.name("/B"), hopLimit: 0, flowID: 1) {} else {
            Issue.record("expected hop-limit-exceeded")
        }
        #expect(table.decideElsewhere(name: Self.name("/A/x"), matched: Self.name("/A"), hopLimit: 3, flowID: 9)
            == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/A"), target: Self.node("sg4"), policy: nil))
        // Pinned calls route to their gateway, whatever the name's FIB entry says.
        #expect(table.decide(name: Self.name("/B/x"), target: Self.node("sg4"), hopLimit: 3, flowID: 1)
            == .forward(link: 1, node: Self.node("sr1"), matched: nil, target: Self.node("sg4"), policy: nil))
        if case .refuse(.noRoute, _) = table.decide(name: Self.name("/B/x"), target: Self.node("sg9"), hopLimit: 3, flowID: 1) {} else {
            Issue.record("expected no-route to an unknown gateway")
        }
        // At the gateway it is pinned to, a call is local or refused, never sent on.
        #expect(table.decide(name: Self.name("/A/x"), target: Self.node("sg1"), hopLimit: 3, flowID: 1) == .local(matched: Self.name("/A")))
        if case .refuse(.noHealthyInstance, _) = table.decide(name: Self.name("/B/x"), target: Self.node("sg1"), hopLimit: 3, flowID: 1) {} else {
            Issue.record("expected no-healthy-instance")
        }
        if case .refuse(.noHealthyInstance, _) = table.decideElsewhere(name: Self.name("/Z"), matched: Self.name("/Z"), hopLimit: 3, flowID: 9) {} else {
            Issue.record("expected no-healthy-instance")
        }
    }

    @Test("equal-cost next hops share flows evenly, and a flow keeps its hop")
    func ecmp() {
        let table = Self.table()
        var counts: [NodeID: Int] = [:]
        for flow in 0..<10_000 as Range<UInt64> {
            guard case let .forward(_, node, _, _, _) = table.decide(name: Self.name("/B/x"), hopLimit: 8, flowID: flow) else {
                Issue.record("expected a forward")
                return
            }
            counts[node, default: 0] += 1
            #expect(table.decide(name: Self.name("/B/y"), hopLimit: 3, flowID: flow) == .forward(
                link: node == Self.node("sr1") ? 1 : 2, node: node, matched: Self.name("/B"), target: nil, policy: nil))
        }
        #expect(counts.count == 2)
        #expect(counts.values.allSatisfy { $0 > 4_500 })
    }

    @Test("error responses name the name, the hop and the reason")
    func errorResponse() throws {
        let response = ErrorResponse(reply: .noHealthyInstance, text: "all 2 instances ejected", hop: Self.node("sg4"),
                                     name: Self.name("/B/x"), keepAlive: true)
        let text = String(decoding: response.bytes, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
        #expect(text.contains("X-DAMC-Error: no-healthy-instance\r\n"))
        let body = try JSONValue.parse(Data(response.body.utf8), file: "body")
        #expect(body == .object(["error": .string("no-healthy-instance"), "name": .string("/B/x"), "hop": .string("sg4"),
                                 "reason": .string("all 2 instances ejected")]))
        #expect(text.hasSuffix(response.body))
        #expect(ErrorResponse.status(for: .hopLimitExceeded) == 508)
        #expect(ErrorResponse.status(for: .noRoute) == 404)
    }
}
