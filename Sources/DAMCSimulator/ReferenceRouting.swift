import DAMCRouting
import DAMCWire
import HeapModule

/// The routes every node *should* have, computed straight from the true
/// topology (live nodes, usable links), independently of any LSDB: the
/// oracle for simulator tests.
///
/// It uses a different method from the engine's SPF on purpose: all-pairs
/// shortest distances (a textbook Dijkstra from every node), then, for each
/// source and destination, every neighbour `n` over link `l` with
/// `cost(l) + dist(n, d) == dist(s, d)` is a next hop, provided `n` is the
/// destination or may be transit. Only no-transit nodes at either end of
/// a path are allowed (gateways and the scheduling centre).
public struct ReferenceRouting {
    public struct Edge {
        public var to: Int
        public var cost: UInt64
        public var link: LinkID

        public init(to: Int, cost: UInt64, link: LinkID) {
            self.to = to
            self.cost = cost
            self.link = link
        }
    }

    public let ids: [NodeID]
    public let noTransit: [Bool]
    public let edges: [[Edge]]
    /// `distance[s][d]`, `.max` when unreachable.
    public private(set) var distance: [[UInt64]] = []

    public init(ids: [NodeID], noTransit: [Bool], edges: [[Edge]]) {
        self.ids = ids
        self.noTransit = noTransit
        self.edges = edges
        distance = (0..<ids.count).map { Self.dijkstra(from: $0, edges: edges, noTransit: noTransit) }
    }

    /// Plain Dijkstra with a binary heap; no-transit nodes other than the
    /// source do not relax their edges.
    public static func dijkstra(from source: Int, edges: [[Edge]], noTransit: [Bool]) -> [UInt64] {
        var distance = [UInt64](repeating: .max, count: edges.count)
        struct Item: Comparable {
            var cost: UInt64
            var node: Int
            static func < (a: Item, b: Item) -> Bool { a.cost < b.cost }
        }
        var heap = Heap<Item>()
        distance[source] = 0
        heap.insert(Item(cost: 0, node: source))
        while let item = heap.popMin() {
            guard item.cost == distance[item.node] else { continue }
            if item.node != source && noTransit[item.node] { continue }
            for edge in edges[item.node] where item.cost + edge.cost < distance[edge.to] {
                distance[edge.to] = item.cost + edge.cost
                heap.insert(Item(cost: distance[edge.to], node: edge.to))
            }
        }
        return distance
    }

    /// Equal-cost next hops from `source` to `destination`, sorted.
    public func nextHops(from source: Int, to destination: Int) -> [NextHop] {
        let total = distance[source][destination]
        guard total != .max, source != destination else { return [] }
        var hops: [NextHop] = []
        for edge in edges[source] {
            let n = edge.to
            guard n == destination || !noTransit[n] else { continue }
            let rest = distance[n][destination]
            if rest != .max && edge.cost + rest == total {
                hops.append(.neighbor(link: edge.link, node: ids[n]))
            }
        }
        return Array(Set(hops)).sorted()
    }

    /// The FIB `source` should hold, given which prefixes each node serves.
    public func fib(for source: Int, services: [Int: [(ServiceName, UInt32)]]) -> [ServiceName: [NextHop]] {
        var best: [ServiceName: (cost: UInt64, hops: [NextHop])] = [:]
        for (origin, prefixes) in services {
            let d = distance[source][origin]
            guard d != .max else { continue }
            let hops: [NextHop] = origin == source ? [.local] : nextHops(from: source, to: origin)
            guard !hops.isEmpty else { continue }
            for (prefix, metric) in prefixes {
                let cost = d + UInt64(metric)
                if let current = best[prefix] {
                    if cost < current.cost { best[prefix] = (cost, hops) }
                    else if cost == current.cost { best[prefix] = (cost, Array(Set(current.hops + hops)).sorted()) }
                } else {
                    best[prefix] = (cost, hops)
                }
            }
        }
        return best.mapValues { $0.hops }
    }
}
