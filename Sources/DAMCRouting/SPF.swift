import DAMCWire
import HeapModule

/// The graph SPF runs on, built from the adjacency LSAs of an LSDB
/// (docs/routing.md §5): an edge u→v exists only if u advertises v *and*
/// v advertises u (the two-way check), with u's advertised cost; nodes
/// flagged no-transit may be a path's ends but never its middle.
///
/// Edges are stored compressed (one array for all of them, each node's
/// run found by `edgeStart`), so building the graph allocates a handful of
/// arrays, not one per node.
public struct SPFGraph: Sendable {
    /// One directed edge: neighbour index, cost, and the origin's link id.
    public struct Edge: Sendable {
        public var to: Int32
        public var cost: UInt32
        public var link: UInt32?
    }

    public private(set) var nodes: [NodeID] = []
    public private(set) var index: [NodeID: Int] = [:]
    public private(set) var flags: [NodeFlags] = []
    /// Edges of node `u` are `edgeList[edgeStart[u]..<edgeStart[u + 1]]`.
    public private(set) var edgeStart: [Int] = [0]
    public private(set) var edgeList: [Edge] = []

    public init() {}

    /// Outgoing edges of node `u`.
    public func edges(of u: Int) -> ArraySlice<Edge> { edgeList[edgeStart[u]..<edgeStart[u + 1]] }

    private mutating func node(_ id: NodeID) -> Int {
        if let existing = index[id] { return existing }
        index[id] = nodes.count
        nodes.append(id)
        flags.append([])
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
        let count = nodes.count
        // Every advertised adjacency with its neighbour resolved to an index
        // (-1: a neighbour that advertises nothing, so it has no edge),
        // grouped by origin with a counting sort.
        var perNode = [Int](repeating: 0, count: count + 1)
        for (origin, adjacencies) in lists { perNode[origin + 1] += adjacencies.count }
        for position in 0..<count { perNode[position + 1] += perNode[position] }
        var fill = perNode
        var advertised = [Int32](repeating: -1, count: perNode[count])
        var candidates = [Edge](repeating: Edge(to: -1, cost: 0, link: nil), count: perNode[count])
        for (origin, adjacencies) in lists {
            for position in adjacencies.indices {
                let to = Int32(index[adjacencies[position].neighbor] ?? -1)
                advertised[fill[origin]] = to
                candidates[fill[origin]] = Edge(to: to, cost: adjacencies[position].cost, link: adjacencies[position].linkID)
                fill[origin] += 1
            }
        }
        // Two-way check: the neighbour must list the origin too (a short
        // linear scan of its run: degrees are small).
        edgeList.reserveCapacity(candidates.count)
        edgeStart = [Int](repeating: 0, count: count + 1)
        for origin in 0..<count {
            for position in perNode[origin]..<perNode[origin + 1] {
                let to = Int(candidates[position].to)
                guard to >= 0, advertised[perNode[to]..<perNode[to + 1]].contains(Int32(origin)) else { continue }
                edgeList.append(candidates[position])
            }
            edgeStart[origin + 1] = edgeList.count
        }
    }
}

/// Shortest paths from one source with every equal-cost first hop
/// (Dijkstra with ECMP, as in IS-IS/OSPF).
///
/// Results are kept per graph node in arrays, with the graph's node index
/// (shared, not copied) to find a node by id: building two dictionaries of
/// a thousand entries each on every run cost more than the Dijkstra itself.
public struct SPFResult: Sendable {
    private var index: [NodeID: Int] = [:]
    private var nodes: [NodeID] = []
    private var source = -1
    private var costs: [UInt64] = []
    private var hops: [[NextHop]] = []

    public init() {}

    /// The path cost and the equal-cost first hops to `node`, or nil when
    /// it is unreachable. The source has cost 0 and no first hops.
    public func route(to node: NodeID) -> (cost: UInt64, nextHops: [NextHop])? {
        guard let position = index[node], costs[position] != .max else { return nil }
        return (costs[position], hops[position])
    }

    /// Path cost to every reachable node (the source has 0).
    public var distance: [NodeID: UInt64] {
        var result: [NodeID: UInt64] = [:]
        for position in costs.indices where costs[position] != .max { result[nodes[position]] = costs[position] }
        return result
    }

    /// Equal-cost first hops towards every reachable node other than the
    /// source, sorted.
    public var nextHops: [NodeID: [NextHop]] {
        var result: [NodeID: [NextHop]] = [:]
        for position in costs.indices where costs[position] != .max && position != source {
            result[nodes[position]] = hops[position]
        }
        return result
    }

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
            for edge in graph.edges(of: u) {
                let v = Int(edge.to)
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
        result.index = graph.index
        result.nodes = graph.nodes
        result.source = start
        result.costs = distance
        result.hops = hops
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
