/// The two measures of RFC 8735 §4.4-4.5, which the RFC describes only in
/// words; docs/ccdr.md §measures gives the definitions and the reasoning.
///
/// * Congestion Degree of an arc: its utilisation beyond the threshold,
///   `CD(e) = max(0, u(e) - threshold)` (§4.5: "the link utilization beyond
///   its threshold").
/// * Utilisation Increment Degree of a new flow: the congestion degree of
///   the most congested arc of the flow's path, right after the flow is
///   added: `UID(f) = max over e in P(f) of CD(e)`. Zero means the flow
///   was carried without pushing or riding any link past the threshold.
public enum CongestionMetrics {
    public static func congestionDegree(_ arc: Int, in graph: PathGraph, load: NetworkLoad, threshold: Double) -> Double {
        max(0, load.utilisation(arc, in: graph) - threshold)
    }

    public static func utilisationIncrementDegree(_ path: Path, in graph: PathGraph, load: NetworkLoad,
                                                  threshold: Double) -> Double {
        path.arcs.map { congestionDegree($0, in: graph, load: load, threshold: threshold) }.max() ?? 0
    }

    /// A summary of the congestion in a loaded network.
    public struct Summary: Sendable, Equatable {
        /// Arcs past the threshold.
        public var congestedArcs: Int
        /// Every arc.
        public var arcs: Int
        /// Mean and largest CD over the congested arcs (0 when none).
        public var meanCD: Double
        public var maxCD: Double
    }

    public static func summary(in graph: PathGraph, load: NetworkLoad, threshold: Double) -> Summary {
        let degrees = graph.arcs.indices.map { congestionDegree($0, in: graph, load: load, threshold: threshold) }
            .filter { $0 > CCDR.epsilon }
        return Summary(congestedArcs: degrees.count, arcs: graph.arcs.count,
                       meanCD: degrees.isEmpty ? 0 : degrees.reduce(0, +) / Double(degrees.count),
                       maxCD: degrees.max() ?? 0)
    }
}
