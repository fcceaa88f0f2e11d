import ArgumentParser
import DAMCPath
import DAMCTopology
import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// damc-ccdr: the experiments of RFC 8735 §4.2-4.5 (CCDR against the OSPF
/// baseline), on the generated topology and traffic matrix of §4.2-4.3 or
/// on a topology file and a traffic-matrix file. docs/ccdr.md explains
/// the measures and how the generated instances follow the RFC.
@main
struct DamcCCDR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-ccdr",
        abstract: "RFC 8735 experiments: CCDR against the OSPF baseline.",
        subcommands: [RFC8735.self, Run.self])
}

/// Options both experiments share.
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Seed for the generated topology, matrix and new flows.")
    var seed: UInt64 = 1
    @Option(help: "New flows placed in the path-optimisation experiment (§4.4).")
    var flows = 1000
    @Option(help: "Congestion threshold, as a fraction of capacity.")
    var threshold = 0.9
    @Flag(help: "Print the results as JSON.")
    var json = false
}

extension DamcCCDR {
    struct RFC8735: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rfc8735",
            abstract: "Generate the §4.2 topology and §4.3 matrix, then run §4.4 and §4.5.")

        @OptionGroup var options: ExperimentOptions
        @Option(help: "Core nodes (fully meshed).") var core = 100
        @Option(help: "Edge nodes (each linked to 2-30 core nodes).") var edge = 400
        @Option(help: "Write the generated topology here (the project's topology format).") var writeTopology: String?
        @Option(help: "Write the generated traffic matrix here.") var writeTraffic: String?

        func run() throws {
            let clock = ContinuousClock()
            let started = clock.now
            let graph = CoreEdgeTopology.generate(.init(core: core, edge: edge), seed: options.seed)
            let matrix = TrafficMatrix.generate(on: graph, seed: options.seed &+ 1, threshold: options.threshold)
            let generated = clock.now - started
            if let writeTopology { try write(topologyText(graph), to: writeTopology) }
            if let writeTraffic { try write(matrix.text(graph: graph), to: writeTraffic) }
            let endpoints = Array(core..<(core + edge))
            Experiment(graph: graph, matrix: matrix, endpoints: endpoints.isEmpty ? Array(0..<graph.nodeCount) : endpoints,
                       options: options, setup: generated,
                       title: "RFC 8735 §4.2-4.5 (seed \(options.seed)): \(core) core nodes fully meshed, \(edge) edge nodes with 2-30 uplinks")
                .run()
        }

        func topologyText(_ graph: PathGraph) throws -> String {
            let nodes = try graph.names.map { Topology.Node(id: try NodeID($0), role: .router) }
            var links: [Topology.Link] = []
            for arc in stride(from: 0, to: graph.arcs.count, by: 2) {
                let a = graph.arcs[arc]
                links.append(Topology.Link(a: nodes[a.from].id, b: nodes[a.to].id, cost: a.cost, capacityMbps: UInt64(a.capacity)))
            }
            return Topology(name: "rfc8735-seed-\(options.seed)", nodes: nodes, links: links).jsonText()
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run §4.4 and §4.5 on a topology file and a traffic-matrix file.")

        @OptionGroup var options: ExperimentOptions
        @Option(help: "Topology file (docs/topology.md): links with cost and capacity_mbps.") var topology: String
        @Option(help: "Traffic matrix: lines of SOURCE DESTINATION RATE_MBPS (docs/ccdr.md).") var traffic: String

        func run() throws {
            let clock = ContinuousClock()
            let started = clock.now
            let parsed: Topology
            do { parsed = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
            let graph = PathGraph(topology: parsed)
            let text: String
            do { text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: traffic)), as: UTF8.self) } catch {
                throw ValidationError("\(traffic): cannot read: \(error)")
            }
            let matrix: TrafficMatrix
            do { matrix = try TrafficMatrix.parse(text, file: traffic, graph: graph) } catch { throw ValidationError("\(error)") }
            // New flows run between the nodes that send or receive demands.
            let endpoints = Set(matrix.demands.flatMap { [$0.source, $0.destination] }).sorted()
            Experiment(graph: graph, matrix: matrix, endpoints: endpoints, options: options, setup: clock.now - started,
                       title: "\(parsed.name): \(graph.nodeCount) nodes, traffic from \(traffic)").run()
        }
    }
}

func write(_ text: String, to path: String) throws {
    do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
        throw ValidationError("\(path): cannot write: \(error)")
    }
}
