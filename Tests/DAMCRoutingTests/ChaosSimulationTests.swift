import DAMCRouting
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Testing

/// Chaos: random link flaps, black holes (partitions), crashes and
/// restarts, with loss, duplication and reordering; after the faults stop
/// and the network is quiet, every node's FIB must equal the reference SPF
/// on the true topology, and the network must fall silent except for
/// hellos (no flooding storm). Many seeds.
@Suite("Simulator: chaos")
struct ChaosSimulationTests {
    struct Outcome {
        var mismatches: [String]
        var floodingAfterQuiet: Int
        var lsaCopies: Int
        var originations: Int
        var links: Int
    }

    static func chaos(seed: UInt64, routers: Int, gateways: Int, faults: Int) -> Outcome {
        let topology = TopologyGenerator.generate(routers: routers, gateways: gateways,
                                                  extraCoreLinks: routers, seed: seed)
        let sim = Simulator(topology: topology, seed: seed)
        sim.conditions.loss = 0.10
        sim.conditions.duplication = 0.05
        sim.conditions.jitter = .milliseconds(20)
        sim.start()
        sim.run(for: .seconds(5))
        var rng = SeededGenerator(seed: seed &* 31 &+ 7)
        var crashed: Set<Int> = []
        for _ in 0..<faults {
            switch rng.next() % 5 {
            case 0, 1:
                let link = Int(rng.next() % UInt64(sim.links.count))
                sim.setLink(link, up: !sim.links[link].up)
            case 2:
                let link = Int(rng.next() % UInt64(sim.links.count))
                sim.setBlackhole(link, !sim.links[link].blackholed)
            case 3:
                let node = Int(rng.next() % UInt64(sim.nodes.count))
                if crashed.contains(node) { sim.restart(node); crashed.remove(node) }
                else { sim.crash(node); crashed.insert(node) }
            default:
                let node = Int(rng.next() % UInt64(sim.nodes.count))
                if crashed.remove(node) != nil { sim.restart(node) }
            }
            sim.run(for: .milliseconds(Int64(rng.next() % 3000)))
        }
        // Heal some, leave some broken: the reference is whatever is true.
        for link in sim.links.indices where rng.chance(0.7) {
            sim.setLink(link, up: true)
            sim.setBlackhole(link, false)
        }
        for node in crashed where rng.chance(0.7) { sim.restart(node) }
        sim.conditions.loss = 0
        sim.run(for: .seconds(40))
        let mismatches = sim.fibMismatches()
        let before = floodingMessages(sim)
        sim.run(for: .seconds(20))
        let after = floodingMessages(sim)
        return Outcome(mismatches: mismatches, floodingAfterQuiet: after - before,
                       lsaCopies: sim.total(\.lsasFlooded) + sim.total(\.lsasRetransmitted),
                       originations: sim.total(\.lsasOriginated), links: sim.links.count)
    }

    static func floodingMessages(_ sim: Simulator) -> Int {
        [MessageType.linkStateUpdate, .linkStateAck, .databaseSummary, .linkStateRequest]
            .reduce(0) { $0 + (sim.sent[UInt8($1.rawValue)] ?? 0) }
    }

    @Test("converges to the reference after chaos", arguments: Array(UInt64(1)...UInt64(12)))
    func chaos(seed: UInt64) {
        let outcome = Self.chaos(seed: seed, routers: 16, gateways: 10, faults: 25)
        #expect(outcome.mismatches == [], "seed \(seed)")
        #expect(outcome.floodingAfterQuiet == 0, "seed \(seed): flooding traffic after quiescence")
        // No storm: each origination crosses each link at most about once
        // per direction (retransmissions and resyncs included).
        #expect(outcome.lsaCopies <= 2 * outcome.links * outcome.originations,
                "seed \(seed): \(outcome.lsaCopies) LSA copies for \(outcome.originations) originations on \(outcome.links) links")
    }
}
