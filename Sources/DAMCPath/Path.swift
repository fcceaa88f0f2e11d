/// A path through a `PathGraph`: its arcs in order and the total weight
/// the search minimised (for the OSPF baseline, the sum of costs).
public struct Path: Sendable, Equatable {
    public var arcs: [Int]
    public var weight: Double

    public init(arcs: [Int], weight: Double) {
        self.arcs = arcs
        self.weight = weight
    }

    /// The nodes visited, source first.
    public func nodes(in graph: PathGraph) -> [Int] {
        guard let first = arcs.first else { return [] }
        return [graph.arcs[first].from] + arcs.map { graph.arcs[$0].to }
    }

    /// The sum of the arcs' routing costs.
    public func cost(in graph: PathGraph) -> UInt64 {
        arcs.reduce(0) { $0 + UInt64(graph.arcs[$1].cost) }
    }
}
