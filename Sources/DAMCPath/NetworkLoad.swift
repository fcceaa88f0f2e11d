/// Traffic carried by each arc of a `PathGraph`, in Mb/s (links are full
/// duplex: each direction has its own load). Telemetry sets it; CCDR adds
/// the flows it places.
public struct NetworkLoad: Sendable, Equatable {
    public private(set) var load: [Double]

    public init(graph: PathGraph) {
        load = [Double](repeating: 0, count: graph.arcs.count)
    }

    /// Utilisation of `arc`: load over capacity (1.0 = full).
    public func utilisation(_ arc: Int, in graph: PathGraph) -> Double {
        load[arc] / graph.arcs[arc].capacity
    }

    /// Sets the load of one arc (a measurement).
    public mutating func set(_ arc: Int, _ mbps: Double) {
        load[arc] = max(0, mbps)
    }

    /// Adds `rate` along `path` (a flow placed on it).
    public mutating func add(_ path: Path, rate: Double) {
        for arc in path.arcs { load[arc] += rate }
    }

    /// Takes `rate` off `path` (a flow moved away), never below zero.
    public mutating func remove(_ path: Path, rate: Double) {
        for arc in path.arcs { load[arc] = max(0, load[arc] - rate) }
    }

    /// Arcs whose utilisation is above `threshold`.
    public func congested(in graph: PathGraph, threshold: Double) -> [Int] {
        load.indices.filter { utilisation($0, in: graph) > threshold + CCDR.epsilon }
    }
}
