import DAMCWire
import HeapModule

/// The graph SPF runs on, built from the adjacency LSAs of an LSDB
/// (docs/routing.md §5): an edge u→v exists only if u advertises v *and*
/// v advertises u (the two-way check), with u's advertised cost; nodes
/// flagged no-transit may be a path's ends but never its middle.
public struct SPFGraph: Sendable {
    public private(set) var nodes: [NodeID] = []
    public private(set) var index: [NodeID: Int] = [:]
    public private(set) var flags: [NodeFlags] = []
    /// Outgoing edges: (neighbour index, cost, origin's link id).
    public private(set) var edges: [[(to: Int, cost: UInt32, link: UInt32?)]] = []

    public init() {}

    private mutating func node(_ id: NodeID) -> Int {
        if let existing = index[id] { return existing }
        index[id] = nodes.count
        nodes.append(id)
        flags.append([])
        edges.append([])
        return nodes.count - 1
    }

    /// Builds the graph from the live (unpurged) adjacency LSAs of `lsdb`;
    /// all fragments of one origin are merged. Node indices follow the
    /// LSDB's order: SPF's results do not depend on them (every equal-cost
    /// path is kept, and next-hop sets are sorted).
    public init(lsdb: LSDB, now: Instant) {
        var lists: [(origin: Int, adjacencies: [Adjacency])] = []
        lists.reserveCapacity(lsdb.count)
        index.reserveCapacity(lsdb.count)
        for (key, entry) in lsdb.entries where key.type == .adjacency && !entry.isPurged(at: now) {
            guard case let .adjacency(nodeFlags, adjacencies) = entry.lsa.body else { continue }
            let origin = node(key.origin)
            flags[origin].formUnion(nodeFlags)
            lists.append((origin, adjacencies))
        }
        build(lists)
    }

    /// Builds the graph from each node's advertised flags and adjacencies.
    public init(advertised: [NodeID: (flags: NodeFlags, adjacencies: [Adjacency])]) {
        var lists: [(origin: Int, adjacencies: [Adjacency])] = []
        for origin in advertised.keys.sorted() {
            let position = node(origin)
            flags[position] = advertised[origin]!.flags
            lists.append((position, advertised[origin]!.adjacencies))
        }
        build(lists)
    }

    /// Adds the edges that pass the two-way check, given every node's
    /// advertised adjacencies (possibly several lists per node: fragments).
    private mutating func build(_ lists: [(origin: Int, adjacencies: [Adjacency])]) {
        // Neighbour indices each node advertises (-1: a neighbour that
        // advertises nothing, so it has no index and no edge).
        var neighbours = [[Int]](repeating: [], count: nodes.count)
        var resolved: [[Int]] = []
        resolved.reserveCapacity(lists.count)
        for (origin, adjacencies) in lists {
            let indices = adjacencies.map { index[$0.neighbor] ?? -1 }
            neighbours[origin] += indices
            resolved.append(indices)
        }
        for (position, (origin, adjacencies)) in lists.enumerated() {
            edges[origin].reserveCapacity(edges[origin].count + adjacencies.count)
            for (adjacency, to) in zip(adjacencies, resolved[position]) {
                // Two-way check: the neighbour must list the origin too (a
                // short linear scan: degrees are small).
                guard to >= 0, neighbours[to].contains(origin) else { continue }
                edges[origin].append((to, adjacency.cost, adjacency.linkID))
            }
        }
    }
}

/// Shortest paths from one source with every equal-cost first hop
/// (Dijkstra with ECMP, as in IS-IS/OSPF).
public struct SPFResult: Sendable {
    /// Path cost to every reachable node (the source has 0).
    public var distance: [NodeID: UInt64] = [:]
    /// Equal-cost first hops towards every reachable node other than the
    /// source, sorted.
    public var nextHops: [NodeID: [NextHop]] = [:]

    /// Runs Dijkstra from `source`. First hops are named by the source's own
    /// link ids, which its adjacency LSA carries.
    public static func compute(from source: NodeID, on graph: SPFGraph) -> SPFResult {
        var result = SPFResult()
        guard let start = graph.index[source] else { return result }
        let count = graph.nodes.count
        var distance = [UInt64](repeating: .max, count: count)
        var hops = [[NextHop]](repeating: [], count: count)
        var done = [Bool](repeating: false, count: count)
        struct Item: Comparable {
            var cost: UInt64
            var node: Int
            static func < (a: Item, b: Item) -> Bool { (a.cost, a.node) < (b.cost, b.node) }
        }
        var heap = Heap<Item>()
        distance[start] = 0
        heap.insert(Item(cost: 0, node: start))
        while let item = heap.popMin() {
            let u = item.node
            if done[u] || item.cost != distance[u] { continue }
            done[u] = true
            // A no-transit node ends paths; it never carries them on.
            if u != start && graph.flags[u].contains(.noTransit) { continue }
            for edge in graph.edges[u] {
                let v = edge.to
                let candidate = distance[u] + UInt64(edge.cost)
                let viaHops: [NextHop] = u == start
                    ? [.neighbor(link: edge.link ?? 0, node: graph.nodes[v])]
                    : hops[u]
                if candidate < distance[v] {
                    distance[v] = candidate
                    hops[v] = viaHops
                    heap.insert(Item(cost: candidate, node: v))
                } else if candidate == distance[v] && !done[v] {
                    hops[v] = merge(hops[v], viaHops)
                }
            }
        }
        for node in 0..<count where distance[node] != .max {
            result.distance[graph.nodes[node]] = distance[node]
            if node != start { result.nextHops[graph.nodes[node]] = hops[node] }
        }
        return result
    }

    /// Union of two sorted next-hop lists, sorted.
    static func merge(_ a: [NextHop], _ b: [NextHop]) -> [NextHop] {
        if a.isEmpty { return b }
        if b.isEmpty || a == b { return a }
        var result: [NextHop] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i] < b[j]) {
                result.append(a[i]); i += 1
            } else if i == a.count || b[j] < a[i] {
                result.append(b[j]); j += 1
            } else {
                result.append(a[i]); i += 1; j += 1
            }
        }
        return result
    }
}
