import DAMCTopology

/// The simulated topology of RFC 8735 §4.2: a fully meshed core and edge
/// nodes each linked to a random subset of the core (2 to 30 core nodes
/// at the RFC's scale). Costs and capacities are not given by the RFC; the
/// choices here are written down in docs/ccdr.md §experiments.
public enum CoreEdgeTopology {
    public struct Parameters: Sendable, Equatable {
        public var core = 100
        public var edge = 400
        public var minUplinks = 2
        public var maxUplinks = 30
        /// Capacities in Mb/s.
        public var coreCapacity: Double = 100_000
        public var edgeCapacity: Double = 10_000
        /// Link costs are drawn uniformly from this range.
        public var costs: ClosedRange<UInt32> = 1...10

        public init(core: Int = 100, edge: Int = 400, minUplinks: Int = 2, maxUplinks: Int = 30) {
            self.core = core
            self.edge = edge
            self.minUplinks = minUplinks
            self.maxUplinks = min(maxUplinks, core)
        }
    }

    /// Generates the topology for `seed`: nodes `c0...` then `e0...`.
    public static func generate(_ parameters: Parameters = Parameters(), seed: UInt64) -> PathGraph {
        var rng = SeededGenerator(seed: seed)
        var links: [PathGraph.LinkSpec] = []
        for a in 0..<parameters.core {
            for b in (a + 1)..<max(a + 1, parameters.core) {
                links.append(.init(a: a, b: b, cost: UInt32.random(in: parameters.costs, using: &rng),
                                   capacity: parameters.coreCapacity))
            }
        }
        for edge in 0..<parameters.edge {
            let node = parameters.core + edge
            let uplinks = Int.random(in: parameters.minUplinks...max(parameters.minUplinks, parameters.maxUplinks), using: &rng)
            var cores = Array(0..<parameters.core)
            // A partial Fisher-Yates shuffle picks `uplinks` distinct cores.
            for position in 0..<min(uplinks, cores.count) {
                cores.swapAt(position, Int.random(in: position..<cores.count, using: &rng))
                links.append(.init(a: node, b: cores[position], cost: UInt32.random(in: parameters.costs, using: &rng),
                                   capacity: parameters.edgeCapacity))
            }
        }
        let names = (0..<parameters.core).map { "c\($0)" } + (0..<parameters.edge).map { "e\($0)" }
        return PathGraph(names: names, links: links)
    }
}
