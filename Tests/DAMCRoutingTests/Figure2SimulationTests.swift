import DAMCRouting
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Foundation
import Testing

/// The Figure 2 mesh of draft-li-icnrg-damc in the simulator.
@Suite("Simulator: Figure 2")
struct Figure2SimulationTests {
    static let path = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/figure2.json").path

    static func simulator(seed: UInt64 = 1) throws -> Simulator {
        let simulator = Simulator(topology: try Topology.load(path: path), seed: seed)
        simulator.start()
        return simulator
    }

    @Test("converges to the reference FIBs")
    func converges() throws {
        let sim = try Self.simulator()
        sim.run(for: .seconds(10))
        #expect(sim.fibMismatches() == [])
        // A few concrete routes, spelled out.
        let sg2 = try #require(sim.node(try NodeID("sg2")))
        let fib = sim.fib(of: sg2)
        #expect(fib[try ServiceName("/C")] == [.local])
        // /A is anycast on sg1 and sg4; from sg2 both are 30 away... sg1 via sr2-sr1, sg4 via sr2.
        #expect(fib[try ServiceName("/A")] == [.neighbor(link: 1, node: try NodeID("sr2"))])
        #expect(sim.nodes[sg2].engine.rib.routes[try ServiceName("/A")]?.origins == [try NodeID("sg4")])
        // Nothing routes through a gateway or the scheduling centre.
        let scsc = try #require(sim.node(try NodeID("scsc")))
        #expect(sim.fib(of: scsc).count == 4)
    }
}

/// The FIBs of Figure 2, checked in (Fixtures/figure2-fibs.txt): one line
/// per node and prefix, next hops as `node@link`. Regenerate only for a
/// deliberate change: `DAMC_WRITE_FIXTURES=1 swift test -c release --filter Figure2`.
@Suite("Simulator: Figure 2 golden FIBs")
struct Figure2GoldenFIBTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/figure2-fibs.txt")

    static func render(_ sim: Simulator) -> String {
        var lines = ["# FIBs of examples/figure2.json after convergence: node prefix next-hops"]
        for node in sim.nodes.indices.sorted(by: { sim.nodes[$0].config.nodeID < sim.nodes[$1].config.nodeID }) {
            for (prefix, hops) in sim.nodes[node].engine.fib.entries {
                lines.append("\(sim.nodes[node].config.nodeID) \(prefix) \(hops.map(\.description).joined(separator: ","))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("Figure 2 converges to the checked-in FIBs, before and after sr1-sr2 fails")
    func golden() throws {
        let sim = try Figure2SimulationTests.simulator(seed: 3)
        sim.run(for: .seconds(10))
        var text = Self.render(sim)
        sim.setLink(2, up: false)   // sr1 - sr2
        sim.run(for: .seconds(10))
        text += "# after links[2] (sr1-sr2) goes down\n" + Self.render(sim).split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        if ProcessInfo.processInfo.environment["DAMC_WRITE_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: Self.fixture.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: Self.fixture, atomically: true, encoding: .utf8)
        }
        #expect(text == (try String(contentsOf: Self.fixture, encoding: .utf8)))
    }
}
