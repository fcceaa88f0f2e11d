import DAMCTopology

/// RFC 8735 §4.4, end-to-end path optimisation: over a background load
/// that nobody schedules, new flows arrive one after another; each is
/// placed by OSPF in one copy of the network and by CCDR in another, and
/// every flow's UID is taken right after it is placed.
public enum PathOptimisation {
    public struct Result: Sendable {
        /// UID of each new flow (fractions: 0.3 = 30 points of utilisation).
        public var ospf: [Double]
        public var ccdr: [Double]
        /// Flows CCDR could only place past the threshold.
        public var ccdrCongested: Int

        public static func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    }

    /// `count` flows between distinct random nodes among `endpoints`, each
    /// at a rate drawn from `rates` (Mb/s).
    public static func randomFlows(count: Int, endpoints: [Int], rates: ClosedRange<Double>, seed: UInt64) -> [Flow] {
        var rng = SeededGenerator(seed: seed)
        guard endpoints.count >= 2 else { return [] }
        return (0..<count).map { _ in
            let source = endpoints[Int.random(in: 0..<endpoints.count, using: &rng)]
            var destination = source
            while destination == source { destination = endpoints[Int.random(in: 0..<endpoints.count, using: &rng)] }
            return Flow(source: source, destination: destination, rate: Double.random(in: rates, using: &rng))
        }
    }

    public static func run(graph: PathGraph, background: NetworkLoad, flows: [Flow], ccdr: CCDR) -> Result {
        let threshold = ccdr.parameters.threshold
        var result = Result(ospf: [], ccdr: [], ccdrCongested: 0)
        var ospfLoad = background
        var ccdrLoad = background
        for flow in flows {
            if let path = OSPF.path(from: flow.source, to: flow.destination, in: graph) {
                ospfLoad.add(path, rate: flow.rate)
                result.ospf.append(CongestionMetrics.utilisationIncrementDegree(path, in: graph, load: ospfLoad, threshold: threshold))
            }
            if let placement = ccdr.place(flow, in: graph, load: &ccdrLoad) {
                if placement.congested { result.ccdrCongested += 1 }
                result.ccdr.append(CongestionMetrics.utilisationIncrementDegree(placement.path, in: graph, load: ccdrLoad,
                                                                                threshold: threshold))
            }
        }
        return result
    }
}
