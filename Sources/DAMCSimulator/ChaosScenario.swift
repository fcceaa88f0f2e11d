import DAMCTopology
import DAMCRouting
import DAMCWire

/// The chaos scenario used by the tests and `damc-sim chaos`: a generated
/// topology under loss, duplication and reordering, hit by random link
/// flaps, black holes (partitions), crashes and restarts; then partly
/// healed, loss switched off, and left to go quiet. The outcome says
/// whether every live node's FIB equals the reference on the true
/// topology, and how much flooding it all cost.
public enum ChaosScenario {
    public struct Parameters: Sendable {
        public var routers = 16
        public var gateways = 10
        public var faults = 25
        public var loss = 0.10
        public var duplication = 0.05
        public var jitter: Duration = .milliseconds(20)
        /// Quiet time after the faults before the FIBs are compared.
        public var settle: Duration = .seconds(40)
        public init() {}
    }

    public struct Outcome: Sendable {
        /// Live nodes whose FIB differs from the reference (first difference each).
        public var mismatches: [String]
        /// Update, ack, summary and request messages sent in the 20 s after
        /// the comparison (a quiet network sends only hellos).
        public var floodingAfterQuiet: Int
        public var lsaCopies: Int
        public var originations: Int
        public var links: Int
        public var events: Int
    }

    public static func run(seed: UInt64, _ parameters: Parameters = Parameters(),
                           inspect: (Simulator) -> Void = { _ in }) -> Outcome {
        let topology = TopologyGenerator.generate(routers: parameters.routers, gateways: parameters.gateways,
                                                  extraCoreLinks: parameters.routers, seed: seed)
        let sim = Simulator(topology: topology, seed: seed)
        sim.conditions.loss = parameters.loss
        sim.conditions.duplication = parameters.duplication
        sim.conditions.jitter = parameters.jitter
        sim.start()
        sim.run(for: .seconds(5))
        var rng = SeededGenerator(seed: seed &* 31 &+ 7)
        var crashed: Set<Int> = []
        for _ in 0..<parameters.faults {
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
        for node in crashed.sorted() where rng.chance(0.7) { sim.restart(node) }
        sim.conditions.loss = 0
        sim.run(for: parameters.settle)
        let mismatches = sim.fibMismatches()
        inspect(sim)
        let before = floodingMessages(sim)
        sim.run(for: .seconds(20))
        return Outcome(mismatches: mismatches, floodingAfterQuiet: floodingMessages(sim) - before,
                       lsaCopies: sim.total(\.lsasFlooded) + sim.total(\.lsasRetransmitted),
                       originations: sim.total(\.lsasOriginated), links: sim.links.count,
                       events: sim.eventsProcessed)
    }

    static func floodingMessages(_ sim: Simulator) -> Int {
        [MessageType.linkStateUpdate, .linkStateAck, .databaseSummary, .linkStateRequest]
            .reduce(0) { $0 + (sim.sent[UInt8($1.rawValue)] ?? 0) }
    }
}
