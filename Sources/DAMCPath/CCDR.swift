/// Centralised Control Dynamic Routing's path computation (RFC 8735 §4):
/// Dijkstra on link costs penalised by utilisation, with the congestion
/// threshold as a hard limit, flows placed one after another with the
/// load each adds counted before the next (§4.1). docs/ccdr.md gives the
/// penalty, where it comes from and why these defaults.
///
/// Weight of an arc `e` for a flow of rate `r`, with `u` the arc's
/// utilisation before the flow and `u'` after it:
///
///     u' > threshold                 -> left out (first pass)
///     u <= knee                      -> cost(e)
///     knee < u <= threshold          -> cost(e) * (1 + slope * (u - knee) / (threshold - knee))
///
/// so a lightly loaded network routes exactly as OSPF does, and cost rises
/// linearly to (1 + slope) times at the threshold, steering flows away
/// from links before they congest. If no path keeps every arc at or under
/// the threshold, a second pass admits every arc and weighs the overload
/// heavily (`overloadWeight` per unit of utilisation past the threshold),
/// which picks the path that congests least; the placement says so.
public struct CCDR: Sendable {
    /// Tolerance for comparing utilisations (rates add up in floating point).
    public static let epsilon = 1e-9

    public struct Parameters: Sendable, Equatable {
        /// The congestion threshold as a fraction of capacity (RFC 8735 §4.2: 90%).
        public var threshold: Double = 0.9
        /// Utilisation below which a link costs what OSPF says.
        public var knee: Double = 0.5
        /// How much dearer a link is at the threshold than at the knee.
        public var slope: Double = 1.0
        /// Weight of one unit of utilisation past the threshold (second pass).
        public var overloadWeight: Double = 100

        public init(threshold: Double = 0.9, knee: Double = 0.5, slope: Double = 1.0, overloadWeight: Double = 100) {
            self.threshold = threshold
            self.knee = knee
            self.slope = slope
            self.overloadWeight = overloadWeight
        }
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        precondition(parameters.knee >= 0 && parameters.knee < parameters.threshold && parameters.slope >= 0,
                     "CCDR: the knee must lie below the threshold")
        self.parameters = parameters
    }

    /// The penalty factor at utilisation `u` (before the flow), capped at
    /// the threshold's.
    public func penalty(_ u: Double) -> Double {
        let p = parameters
        if u <= p.knee { return 1 }
        return 1 + p.slope * (min(u, p.threshold) - p.knee) / (p.threshold - p.knee)
    }

    /// The weight of `arc` for a flow of `rate`, or nil when the flow would
    /// push it past the threshold (and `admitOverload` is false).
    public func weight(_ arc: Int, rate: Double, in graph: PathGraph, load: NetworkLoad, admitOverload: Bool) -> Double? {
        let capacity = graph.arcs[arc].capacity
        let before = load.load[arc] / capacity
        let after = (load.load[arc] + rate) / capacity
        let cost = Double(graph.arcs[arc].cost)
        if after <= parameters.threshold + Self.epsilon { return cost * penalty(before) }
        guard admitOverload else { return nil }
        return cost * penalty(before) * (1 + parameters.overloadWeight * (after - parameters.threshold))
    }

    /// The path CCDR chooses for `flow` on the network as loaded now.
    public func path(for flow: Flow, in graph: PathGraph, load: NetworkLoad) -> Placement? {
        if let path = PathSearch.shortestPath(in: graph, from: flow.source, to: flow.destination, weight: {
            weight($0, rate: flow.rate, in: graph, load: load, admitOverload: false)
        }) {
            return Placement(path: path, congested: false)
        }
        return PathSearch.shortestPath(in: graph, from: flow.source, to: flow.destination, weight: {
            weight($0, rate: flow.rate, in: graph, load: load, admitOverload: true)
        }).map { Placement(path: $0, congested: true) }
    }

    /// Chooses a path for `flow` and adds its rate to the load.
    public func place(_ flow: Flow, in graph: PathGraph, load: inout NetworkLoad) -> Placement? {
        guard let placement = path(for: flow, in: graph, load: load) else { return nil }
        load.add(placement.path, rate: flow.rate)
        return placement
    }

    /// Places `flows` one after another (RFC 8735 §4.1), each seeing the
    /// load the earlier ones added.
    public func place(_ flows: [Flow], in graph: PathGraph, load: inout NetworkLoad) -> [Placement?] {
        flows.map { place($0, in: graph, load: &load) }
    }
}

/// The baseline CCDR is compared with: OSPF/IS-IS, Dijkstra on the
/// routing cost alone, blind to load.
public enum OSPF {
    /// The least-cost path, ties broken as `PathSearch` does.
    public static func path(from source: Int, to destination: Int, in graph: PathGraph) -> Path? {
        PathSearch.shortestPath(in: graph, from: source, to: destination) { Double(graph.arcs[$0].cost) }
    }

    /// Shortest paths from `source` to every node.
    public static func tree(from source: Int, in graph: PathGraph) -> ShortestPathTree {
        PathSearch.tree(in: graph, from: source) { Double(graph.arcs[$0].cost) }
    }
}
