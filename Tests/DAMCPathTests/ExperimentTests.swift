import DAMCPath
import Testing

/// The RFC 8735 §4.2-4.5 experiments at a small scale (20 core, 80 edge):
/// what the generated instances must look like, and what CCDR must do on
/// them. The full scale runs in `damc-ccdr rfc8735` (docs/ccdr.md).
@Suite("RFC 8735 experiments, small scale")
struct ExperimentTests {
    static let parameters = CoreEdgeTopology.Parameters(core: 20, edge: 80, minUplinks: 2, maxUplinks: 10)

    @Test("§4.2 topology: a full core mesh, every edge on 2 to 10 distinct core nodes, the same for the same seed")
    func topology() {
        let graph = CoreEdgeTopology.generate(Self.parameters, seed: 7)
        #expect(graph.nodeCount == 100)
        var coreLinks = 0
        var uplinks = [Set<Int>](repeating: [], count: 80)
        for arc in stride(from: 0, to: graph.arcs.count, by: 2) {
            let a = graph.arcs[arc]
            if a.from < 20 && a.to < 20 { coreLinks += 1 } else {
                #expect(a.from >= 20 && a.to < 20)   // edges link only to the core
                #expect(uplinks[a.from - 20].insert(a.to).inserted)   // never twice to one core node
            }
        }
        #expect(coreLinks == 20 * 19 / 2)
        #expect(uplinks.allSatisfy { (2...10).contains($0.count) })
        #expect(CoreEdgeTopology.generate(Self.parameters, seed: 7).arcs == graph.arcs)
        #expect(CoreEdgeTopology.generate(Self.parameters, seed: 8).arcs != graph.arcs)
    }

    @Test("§4.3 matrix: about a fifth of the arcs past the threshold under OSPF, by about 20% on average")
    func matrix() {
        let graph = CoreEdgeTopology.generate(Self.parameters, seed: 3)
        let matrix = TrafficMatrix.generate(on: graph, seed: 4)
        #expect(matrix.demands.count == 100 * 99)
        let (load, paths) = matrix.routeByOSPF(on: graph)
        #expect(paths.allSatisfy { $0 != nil })
        let summary = CongestionMetrics.summary(in: graph, load: load, threshold: 0.9)
        let share = Double(summary.congestedArcs) / Double(summary.arcs)
        #expect(share > 0.15 && share < 0.25)
        #expect(summary.meanCD > 0.1 && summary.meanCD < 0.3)
    }

    @Test("§4.4 and §4.5: CCDR adds less congestion than OSPF, and elimination only ever lowers it")
    func experiments() {
        let graph = CoreEdgeTopology.generate(Self.parameters, seed: 5)
        let matrix = TrafficMatrix.generate(on: graph, seed: 6)
        let (background, paths) = matrix.routeByOSPF(on: graph)
        let flows = PathOptimisation.randomFlows(count: 200, endpoints: Array(20..<100), rates: 100...500, seed: 9)
        let optimisation = PathOptimisation.run(graph: graph, background: background, flows: flows, ccdr: CCDR())
        #expect(optimisation.ospf.count == 200 && optimisation.ccdr.count == 200)
        #expect(PathOptimisation.Result.mean(optimisation.ccdr) < PathOptimisation.Result.mean(optimisation.ospf))
        // A flow CCDR placed under the threshold has UID 0 by definition.
        #expect(optimisation.ccdr.filter { $0 > 0 }.count <= optimisation.ccdrCongested)

        let result = CongestionElimination.run(graph: graph, matrix: matrix, load: background, paths: paths, ccdr: CCDR())
        #expect(result.after.congestedArcs < result.before.congestedArcs)
        // Nothing that was under the threshold is pushed past it, and no
        // traffic is lost or made up.
        for arc in graph.arcs.indices where background.utilisation(arc, in: graph) <= 0.9 {
            #expect(result.load.utilisation(arc, in: graph) <= 0.9 + 1e-6)
        }
        let carried = { (load: NetworkLoad) in
            graph.arcs.indices.reduce(0.0) { $0 + load.load[$1] }
        }
        #expect(carried(result.load) >= carried(background) * 0.999)   // moved traffic may take longer paths
        #expect(result.moved > 0)
    }

    @Test("traffic-matrix files: read what is written; mistakes name the file, the line and the reason",
          arguments: [
            ("a b", "m.txt:2: expected SOURCE DESTINATION RATE_MBPS, found 2 fields"),
            ("a x 5", "m.txt:2: unknown node \"x\""),
            ("a a 5", "m.txt:2: a demand from \"a\" to itself"),
            ("a b -1", "m.txt:2: rate \"-1\" is not a non-negative number of Mb/s"),
            ("a b lots", "m.txt:2: rate \"lots\" is not a non-negative number of Mb/s"),
          ])
    func files(line: String, message: String) throws {
        let graph = PathGraph(names: ["a", "b", "c"], links: [.init(a: 0, b: 1, cost: 1, capacity: 10),
                                                               .init(a: 1, b: 2, cost: 1, capacity: 10)])
        let matrix = TrafficMatrix(demands: [Flow(source: 0, destination: 2, rate: 2.5), Flow(source: 2, destination: 1, rate: 1)])
        #expect(try TrafficMatrix.parse(matrix.text(graph: graph), file: "m.txt", graph: graph) == matrix)
        #expect(try TrafficMatrix.parse("# comment\n\n a\tc 2.5 # inline\n", file: "m.txt", graph: graph).demands
                == [Flow(source: 0, destination: 2, rate: 2.5)])
        #expect(throws: TrafficMatrix.FileError.self) { try TrafficMatrix.parse("a b 1\n" + line, file: "m.txt", graph: graph) }
        do {
            _ = try TrafficMatrix.parse("a b 1\n" + line, file: "m.txt", graph: graph)
        } catch {
            #expect(error.description == message)
        }
    }
}
