import DAMCPath

/// CCDR path computation (issue 8): 1,000 flows placed one after another
/// on the RFC 8735 §4.2 topology (500 nodes, 11,000+ links, 22,000+ arcs)
/// loaded with its §4.3 background, beside 1,000 plain Dijkstra searches
/// (the OSPF baseline) on the same graph, in the same run, on one core.
enum CCDRBenchmark {
    static func run() {
        let clock = ContinuousClock()
        let graph = CoreEdgeTopology.generate(seed: 1)
        let matrix = TrafficMatrix.generate(on: graph, seed: 2)
        let (background, _) = matrix.routeByOSPF(on: graph)
        let flows = PathOptimisation.randomFlows(count: 1000, endpoints: Array(100..<500), rates: 100...500, seed: 3)
        var samples: [(Duration, Duration)] = []
        var congested = 0, found = 0
        for _ in 0..<5 {
            var load = background
            let ccdr = CCDR()
            let placed = clock.measure {
                for flow in flows where ccdr.place(flow, in: graph, load: &load)?.congested == true { congested += 1 }
            }
            let dijkstra = clock.measure {
                for flow in flows where OSPF.path(from: flow.source, to: flow.destination, in: graph) != nil { found += 1 }
            }
            samples.append((placed, dijkstra))
        }
        let ccdrTimes = samples.map(\.0).sorted(), dijkstraTimes = samples.map(\.1).sorted()
        let ccdrMedian = ccdrTimes[2], dijkstraMedian = dijkstraTimes[2]
        print("CCDR, \(graph.nodeCount) nodes, \(graph.linkCount) links (\(graph.arcs.count) arcs), \(flows.count) flows placed one after another (median of 5)")
        print("  CCDR (penalised costs, threshold pruning, load added per flow): \(RoutingBenchmark.format(RoutingBenchmark.milliseconds(ccdrMedian))) ms"
              + " (\(RoutingBenchmark.format(RoutingBenchmark.milliseconds(ccdrMedian) * 1000 / Double(flows.count))) µs per flow)")
        print("  reference: plain Dijkstra on costs (OSPF), same pairs: \(RoutingBenchmark.format(RoutingBenchmark.milliseconds(dijkstraMedian))) ms"
              + " (\(RoutingBenchmark.format(RoutingBenchmark.milliseconds(dijkstraMedian) * 1000 / Double(flows.count))) µs per search)")
        print("  ratio CCDR/Dijkstra: \(RoutingBenchmark.format(RoutingBenchmark.milliseconds(ccdrMedian) / RoutingBenchmark.milliseconds(dijkstraMedian)))x;"
              + " flows past the threshold: \(congested / 5); paths found: \(found / 5)")
    }
}
