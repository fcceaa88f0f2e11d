import ArgumentParser
import DAMCRouting
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Foundation

/// `damc-sim`: runs DAMC routing engines on a topology under a virtual
/// clock (DESIGN.md §2). No sockets, no root; the same engine code as the
/// daemons.
@main
struct DamcSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-sim",
        abstract: "Simulate a DAMC network from a topology file.",
        version: DAMCVersion.string,
        subcommands: [Run.self, Generate.self, Chaos.self]
    )
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Converge a topology and print routes and counters.")

    @Argument(help: "Topology file (JSON, docs/topology.md).") var topology: String
    @Option(help: "Seed of the simulation.") var seed: UInt64 = 1
    @Option(help: "Virtual seconds to run.") var seconds: Int64 = 30
    @Option(help: "Print this node's FIB (repeatable).") var show: [String] = []
    @Option(help: "Take this link (index in the file) down halfway, then report.") var fail: Int?

    func run() throws {
        let topology: Topology
        do { topology = try Topology.load(path: self.topology) } catch {
            throw ValidationError("\(error)")
        }
        let sim = Simulator(topology: topology, seed: seed)
        sim.start()
        sim.run(for: .seconds(seconds / 2))
        if let fail {
            guard sim.links.indices.contains(fail) else { throw ValidationError("no link \(fail)") }
            sim.setLink(fail, up: false)
            print("link \(fail) down at \(sim.now)")
        }
        sim.run(for: .seconds(seconds - seconds / 2))
        let mismatches = sim.fibMismatches()
        print("\(topology.name): \(sim.nodes.count) nodes, \(sim.links.count) links, \(sim.eventsProcessed) events, virtual \(sim.now)")
        print("FIBs equal the reference: \(mismatches.isEmpty ? "yes" : "NO")")
        for problem in mismatches.prefix(10) { print("  \(problem)") }
        print("LSAs originated \(sim.total(\.lsasOriginated)), flooded \(sim.total(\.lsasFlooded)), retransmitted \(sim.total(\.lsasRetransmitted)), duplicates \(sim.total(\.lsasDuplicate)), SPF runs \(sim.total(\.spfRuns))")
        let worst = sim.nodes.compactMap { $0.engine.counters.maxConvergence }.max()
        print("slowest convergence (change to FIB): \(worst.map { "\(Int($0.milliseconds)) ms" } ?? "-")")
        for name in show {
            guard let id = try? NodeID(name), let node = sim.node(id) else { throw ValidationError("no node \(name)") }
            print("\nFIB of \(name):")
            for (prefix, hops) in sim.nodes[node].engine.fib.entries {
                print("  \(prefix.description.padding(toLength: 24, withPad: " ", startingAt: 0)) \(hops.map(\.description).joined(separator: ", "))")
            }
        }
        if !mismatches.isEmpty { throw ExitCode(1) }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a random connected topology as JSON.")
    @Option var routers = 100
    @Option var gateways = 50
    @Option(help: "Core links beyond the spanning tree.") var extraLinks: Int?
    @Option var prefixes = 2
    @Option var seed: UInt64 = 1

    func run() {
        print(TopologyGenerator.generate(routers: routers, gateways: gateways, extraCoreLinks: extraLinks ?? routers,
                                         prefixesPerGateway: prefixes, seed: seed).jsonText(), terminator: "")
    }
}

struct Chaos: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Random faults with loss, duplication and reordering; check FIBs against the reference.")
    @Option var routers = 30
    @Option var gateways = 20
    @Option var faults = 40
    @Option(help: "First seed.") var from: UInt64 = 1
    @Option(help: "Last seed.") var to: UInt64 = 20
    @Option var loss = 0.1

    func run() throws {
        var failed = 0
        var parameters = ChaosScenario.Parameters()
        parameters.routers = routers
        parameters.gateways = gateways
        parameters.faults = faults
        parameters.loss = loss
        for seed in from...to {
            let outcome = ChaosScenario.run(seed: seed, parameters)
            let ok = outcome.mismatches.isEmpty && outcome.floodingAfterQuiet == 0
            print("seed \(seed): \(ok ? "ok" : "FAILED") mismatches \(outcome.mismatches.count), flooding after quiet \(outcome.floodingAfterQuiet), events \(outcome.events), LSA copies \(outcome.lsaCopies) for \(outcome.originations) originations on \(outcome.links) links")
            for problem in outcome.mismatches.prefix(5) { print("  \(problem)") }
            if !ok { failed += 1 }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
