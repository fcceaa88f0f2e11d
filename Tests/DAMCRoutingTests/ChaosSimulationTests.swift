import DAMCSimulator
import Testing

/// Chaos (ChaosScenario): random link flaps, black holes (partitions),
/// crashes and restarts, with 10% loss, 5% duplication and reordering;
/// after the faults stop and the network is quiet, every node's FIB must
/// equal the reference SPF on the true topology, the network must fall
/// silent except for hellos, and flooding must stay bounded (no storm).
@Suite("Simulator: chaos")
struct ChaosSimulationTests {
    @Test("converges to the reference after chaos", arguments: Array(UInt64(1)...UInt64(12)))
    func chaos(seed: UInt64) {
        let outcome = ChaosScenario.run(seed: seed)
        #expect(outcome.mismatches == [], "seed \(seed)")
        #expect(outcome.floodingAfterQuiet == 0, "seed \(seed): flooding traffic after quiescence")
        // Each origination crosses each link at most about once per
        // direction, retransmissions and resynchronisations included.
        #expect(outcome.lsaCopies <= 2 * outcome.links * outcome.originations,
                "seed \(seed): \(outcome.lsaCopies) LSA copies for \(outcome.originations) originations on \(outcome.links) links")
    }
}
