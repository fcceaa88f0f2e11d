import DAMCRouting
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Testing

/// Hundreds of nodes (DESIGN.md §4): a generated 500-node topology
/// converges to the reference, then reconverges after a core link fails.
/// Meant for `swift test -c release` (scripts/test.sh); a debug build takes
/// minutes here.
@Suite("Simulator: 500 nodes")
struct ScaleSimulationTests {
    @Test("500 nodes converge, and reconverge after a link failure")
    func fiveHundred() throws {
        let topology = TopologyGenerator.generate(routers: 400, gateways: 100, extraCoreLinks: 400, seed: 5)
        #expect(topology.nodes.count == 500)
        let sim = Simulator(topology: topology, seed: 5)
        sim.start()
        sim.run(for: .seconds(15))
        #expect(sim.fibMismatches() == [])
        #expect(sim.fib(of: 0).count > 150)
        // Fail the busiest core link (most ECMP next hops through it is hard
        // to know; take the first core link, which the spanning tree needs).
        let core = try #require(sim.links.firstIndex { sim.nodes[$0.a].config.role == .router && sim.nodes[$0.b].config.role == .router })
        sim.setLink(core, up: false)
        sim.run(for: .seconds(12))
        #expect(sim.fibMismatches() == [])
    }
}
