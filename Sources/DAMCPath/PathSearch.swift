import HeapModule

/// Dijkstra over a `PathGraph` with a weight per arc chosen by the caller:
/// the routing cost for the OSPF baseline, a utilisation-penalised cost for
/// CCDR, or nil to leave an arc out. Weights must be non-negative.
///
/// Deterministic: nodes are settled in order of (distance, index), and a
/// node keeps the first predecessor that reached it at its final distance,
/// so equal-cost ties always resolve the same way.
public enum PathSearch {
    /// The least-weight path from `source` to `destination`, or nil when
    /// no path exists. Paths never pass through a node that is not transit.
    public static func shortestPath(in graph: PathGraph, from source: Int, to destination: Int,
                                    weight: (Int) -> Double?) -> Path? {
        guard source != destination else { return Path(arcs: [], weight: 0) }
        let tree = search(in: graph, from: source, stopAt: destination, weight: weight)
        return tree.path(to: destination)
    }

    /// Shortest paths from `source` to every node (the OSPF routing of a
    /// whole traffic matrix: one tree per source).
    public static func tree(in graph: PathGraph, from source: Int, weight: (Int) -> Double?) -> ShortestPathTree {
        search(in: graph, from: source, stopAt: nil, weight: weight)
    }

    private struct Item: Comparable {
        var distance: Double
        var node: Int
        static func < (a: Item, b: Item) -> Bool { (a.distance, a.node) < (b.distance, b.node) }
    }

    private static func search(in graph: PathGraph, from source: Int, stopAt destination: Int?,
                               weight: (Int) -> Double?) -> ShortestPathTree {
        var distance = [Double](repeating: .infinity, count: graph.nodeCount)
        var predecessor = [Int](repeating: -1, count: graph.nodeCount)
        var done = [Bool](repeating: false, count: graph.nodeCount)
        var heap = Heap<Item>()
        distance[source] = 0
        heap.insert(Item(distance: 0, node: source))
        while let item = heap.popMin() {
            let u = item.node
            if done[u] || item.distance != distance[u] { continue }
            done[u] = true
            if u == destination { break }
            // A node that is not transit ends paths; it never carries them on.
            if u != source && !graph.transit[u] { continue }
            for arc in graph.outgoing(u) {
                guard let w = weight(arc) else { continue }
                let v = graph.arcs[arc].to
                let candidate = distance[u] + w
                if candidate < distance[v] {
                    distance[v] = candidate
                    predecessor[v] = arc
                    heap.insert(Item(distance: candidate, node: v))
                }
            }
        }
        return ShortestPathTree(source: source, distance: distance, predecessor: predecessor, graph: graph)
    }
}

/// The result of a single-source search: distance and predecessor arc of
/// every node reached.
public struct ShortestPathTree: Sendable {
    public let source: Int
    public let distance: [Double]
    /// The arc by which each node was reached (-1: the source, or unreached).
    public let predecessor: [Int]
    let graph: PathGraph

    /// The path from the source to `node`, or nil when it was not reached.
    public func path(to node: Int) -> Path? {
        guard distance[node].isFinite else { return nil }
        var arcs: [Int] = []
        var at = node
        while at != source {
            let arc = predecessor[at]
            arcs.append(arc)
            at = graph.arcs[arc].from
        }
        return Path(arcs: arcs.reversed(), weight: distance[node])
    }
}
