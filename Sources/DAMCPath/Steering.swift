import DAMCWire

/// Where the scheduling centre steers calls when preset conditions break
/// (docs/scheduling.md §conditions; RFC 8735 §4): for every gateway that
/// may send calls to a prefix, routing's choice (the nearest serving
/// gateway by OSPF cost) is kept unless that gateway breaks the conditions
/// or the path crosses a link past the threshold; then the least-weight
/// CCDR path to a serving gateway that meets the conditions is chosen.
/// Pure, so the SCSC runs it off its event loop and the tests run it alone.
public enum Steering {
    /// A gateway that serves a prefix, and whether it meets the conditions
    /// (with why not).
    public struct Server: Sendable, Equatable {
        public var gateway: Int
        public var ok: Bool
        public var why: String

        public init(gateway: Int, ok: Bool, why: String = "") {
            self.gateway = gateway
            self.ok = ok
            self.why = why
        }
    }

    /// One steering decision: calls from `ingress` to `prefix` go along
    /// `path` (node indices, ingress first), for `reason`.
    public struct Decision: Sendable, Equatable {
        public var ingress: Int
        public var prefix: ServiceName
        public var path: [Int]
        public var reason: String
    }

    /// The decisions for every ingress gateway and prefix.
    public static func decide(graph: PathGraph, load: NetworkLoad, ingresses: [Int], serving: [ServiceName: [Server]],
                              threshold: Double) -> [Decision] {
        let ccdr = CCDR(parameters: .init(threshold: threshold))
        var trees: [Int: ShortestPathTree] = [:]
        var result: [Decision] = []
        func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }
        for prefix in serving.keys.sorted() {
            let servers = serving[prefix]!.sorted { $0.gateway < $1.gateway }
            let serverSet = Set(servers.map(\.gateway))
            for ingress in ingresses.sorted() where !serverSet.contains(ingress) {
                let tree = trees[ingress] ?? OSPF.tree(from: ingress, in: graph)
                trees[ingress] = tree
                // Where routing sends the calls now: the nearest serving gateway.
                guard let nearest = servers.filter({ tree.distance[$0.gateway].isFinite })
                    .min(by: { tree.distance[$0.gateway] < tree.distance[$1.gateway] }),
                      let routed = tree.path(to: nearest.gateway) else { continue }
                let hot = routed.arcs.filter { load.utilisation($0, in: graph) > threshold + CCDR.epsilon }
                guard !nearest.ok || !hot.isEmpty else { continue }
                var best: Path?
                for candidate in servers where candidate.ok {
                    guard let placement = ccdr.path(for: Flow(source: ingress, destination: candidate.gateway, rate: 0),
                                                    in: graph, load: load), !placement.congested else { continue }
                    if best.map({ placement.path.weight < $0.weight }) ?? true { best = placement.path }
                }
                guard let best, best.arcs != routed.arcs else { continue }
                let reason = !nearest.ok
                    ? "\(graph.names[nearest.gateway]): \(nearest.why)"
                    : hot.map { "\(graph.names[graph.arcs[$0].from])->\(graph.names[graph.arcs[$0].to]) at "
                        + percent(load.utilisation($0, in: graph)) }.joined(separator: ", ") + " over \(percent(threshold))"
                result.append(Decision(ingress: ingress, prefix: prefix, path: best.nodes(in: graph), reason: reason))
            }
        }
        return result
    }
}
