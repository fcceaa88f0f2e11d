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
