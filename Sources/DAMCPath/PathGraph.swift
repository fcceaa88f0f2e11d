import DAMCTopology
import DAMCWire

/// The network that paths are computed on (DESIGN.md §2b): nodes by
/// index, each undirected link as two directed arcs with the link's cost
/// and capacity. Links are full duplex, so load is counted per arc
/// (`NetworkLoad`). Nodes marked not transit (gateways, the SCSC) may
/// start or end a path but never carry one, as in SPF (docs/routing.md §5).
///
/// Arcs leaving a node are stored together (compressed rows) so a search
/// walks an array, not a dictionary.
public struct PathGraph: Sendable {
    /// One direction of a link.
    public struct Arc: Sendable, Equatable {
        public let from: Int
        public let to: Int
        /// The routing cost (the IGP metric).
        public let cost: UInt32
        /// Capacity in Mb/s.
        public let capacity: Double
        /// Index of the undirected link it belongs to (two arcs per link).
        public let link: Int
    }

    /// An undirected link as given to `init(names:links:)`.
    public struct LinkSpec: Sendable, Equatable {
        public var a: Int
        public var b: Int
        public var cost: UInt32
        public var capacity: Double

        public init(a: Int, b: Int, cost: UInt32, capacity: Double) {
            self.a = a
            self.b = b
            self.cost = cost
            self.capacity = capacity
        }
    }

    public let names: [String]
    public let arcs: [Arc]
    /// Whether each node may carry paths through it.
    public let transit: [Bool]
    private let index: [String: Int]
    /// Arcs leaving node `u` are `outArcs[outStart[u]..<outStart[u + 1]]`.
    private let outStart: [Int]
    private let outArcs: [Int]

    public var nodeCount: Int { names.count }
    public var linkCount: Int { arcs.count / 2 }

    /// A graph of `names.count` nodes and the given links (each becomes arcs
    /// `2i` (a to b) and `2i + 1` (b to a)). `transit` defaults to all true.
    public init(names: [String], links: [LinkSpec], transit: [Bool]? = nil) {
        precondition(links.allSatisfy { $0.a >= 0 && $0.b >= 0 && $0.a < names.count && $0.b < names.count && $0.capacity > 0 },
                     "path graph: a link names a node that does not exist or has no capacity")
        self.names = names
        self.transit = transit ?? Array(repeating: true, count: names.count)
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() { index[name] = position }
        self.index = index
        var arcs: [Arc] = []
        arcs.reserveCapacity(links.count * 2)
        for (position, link) in links.enumerated() {
            arcs.append(Arc(from: link.a, to: link.b, cost: link.cost, capacity: link.capacity, link: position))
            arcs.append(Arc(from: link.b, to: link.a, cost: link.cost, capacity: link.capacity, link: position))
        }
        self.arcs = arcs
        // Counting sort of arcs by their tail.
        var start = [Int](repeating: 0, count: names.count + 1)
        for arc in arcs { start[arc.from + 1] += 1 }
        for node in 0..<names.count { start[node + 1] += start[node] }
        var fill = start
        var out = [Int](repeating: 0, count: arcs.count)
        for (position, arc) in arcs.enumerated() {
            out[fill[arc.from]] = position
            fill[arc.from] += 1
        }
        outStart = start
        outArcs = out
    }

    /// The graph of a topology file (docs/topology.md): nodes in file
    /// order, links with their cost and `capacity_mbps`. Gateways and the
    /// SCSC are not transit.
    public init(topology: Topology) {
        let names = topology.nodes.map(\.id.rawValue)
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() { index[name] = position }
        let links = topology.links.map {
            LinkSpec(a: index[$0.a.rawValue]!, b: index[$0.b.rawValue]!, cost: $0.cost, capacity: Double($0.capacityMbps))
        }
        self.init(names: names, links: links, transit: topology.nodes.map { $0.role == .router })
    }

    /// The index of the node called `name`.
    public func node(_ name: String) -> Int? { index[name] }

    /// Indices of the arcs leaving `node`.
    public func outgoing(_ node: Int) -> ArraySlice<Int> { outArcs[outStart[node]..<outStart[node + 1]] }
}
