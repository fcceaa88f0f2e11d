import DAMCRouting
import DAMCWire

/// What one hop does with a call (draft-li-icnrg-damc §7.2; docs/forwarding.md §hops).
public enum ForwardingDecision: Sendable, Equatable {
    /// This gateway serves the name: hand the call to a local instance.
    case local(matched: ServiceName)
    /// Send the call on to `node` over `link`, with the hop limit one lower.
    /// With `target`, the call is pinned to that gateway (a redirect); with
    /// `policy`, it follows that QoS policy's path (the next hop is told).
    case forward(link: LinkID, node: NodeID, matched: ServiceName?, target: NodeID?, policy: UInt64?)
    /// Refuse the call; the reply names this hop and the reason.
    case refuse(ReasonCode, String)
}

/// The tables one hop consults, as a value the forwarding threads share:
/// the QoS policies from the SCSC (consulted first), the routing engine's
/// FIB, its next hops towards every node (for calls pinned to a gateway),
/// the links to each neighbour (for policy paths) and, for a gateway,
/// which other gateways serve each of its own prefixes. The daemon
/// publishes a new one whenever routing or a policy changes; a call keeps
/// the one it started with.
public struct ForwardingTable: Sendable {
    public let node: NodeID
    /// `FlowHash.seed(node)`, computed once rather than per call.
    let seed: UInt64
    public var fib: FIB
    /// Next hops towards each reachable node (from SPF).
    public var nodes: [NodeID: [NextHop]]
    /// Local prefix → the nearest other gateways that serve it.
    public var alternates: [ServiceName: [NodeID]]
    /// The QoS forwarding policies installed by the SCSC.
    public var policies: PolicyTable
    /// The links up to each neighbour (a policy's path names neighbours).
    public var links: [NodeID: [LinkID]]

    public init(node: NodeID, fib: FIB = FIB(), nodes: [NodeID: [NextHop]] = [:], alternates: [ServiceName: [NodeID]] = [:],
                policies: PolicyTable? = nil, links: [NodeID: [LinkID]] = [:]) {
        self.node = node
        seed = FlowHash.seed(node)
        self.fib = fib
        self.nodes = nodes
        self.alternates = alternates
        self.policies = policies ?? PolicyTable(node: node)
        self.links = links
    }

    /// The decision for a call to `name` arriving with `hopLimit` hops left
    /// (the ingress passes its initial limit), pinned to `target` if set.
    /// Going on needs a hop limit above 0; ties among equal-cost next hops
    /// are broken by `flowID`.
    ///
    /// A live QoS policy comes first (RFC 8735 §6): the one named by
    /// `policy` (the previous hop chose it), or at the ingress the one
    /// matching `name`. It sends the call to the next node on its path, or
    /// pins it to its target gateway; when the policy has expired, or its
    /// next node is no longer a neighbour, the FIB decides as if there
    /// were no policy.
    public func decide(name: ServiceName, target: NodeID? = nil, hopLimit: UInt8, flowID: UInt64,
                       policy: UInt64? = nil, flowClass: UInt8? = nil, now: Int64 = 0) -> ForwardingDecision {
        let entry = policy.map { policies.entry($0, now: now) }
            ?? (target == nil ? policies.match(name, flowClass: flowClass, now: now) : nil)
        if let entry, let decision = follow(entry, name: name, hopLimit: hopLimit, flowID: flowID) { return decision }
        if let target, target != node {
            guard let hops = nodes[target], !hops.isEmpty else {
                return .refuse(.noRoute, "no route to gateway \(target) at \(node)")
            }
            return forward(hops, matched: nil, target: target, hopLimit: hopLimit, flowID: flowID, name: name)
        }
        guard let (matched, hops) = fib.lookup(name), !hops.isEmpty else {
            if target == node { return .refuse(.noHealthyInstance, "\(node) no longer serves \(name)") }
            return .refuse(.noRoute, "no route to \(name) at \(node)")
        }
        if hops.contains(.local) { return .local(matched: matched) }
        if target == node { return .refuse(.noHealthyInstance, "\(node) no longer serves \(name)") }
        return forward(hops, matched: matched, target: nil, hopLimit: hopLimit, flowID: flowID, name: name)
    }

    /// The instance that policy `policy` asks this gateway to hand its
    /// calls to (its target instance, when this node is its target
    /// gateway), if the policy is live here.
    public func targetInstance(policy: UInt64?, now: Int64) -> Endpoint? {
        guard let policy, let entry = policies.entry(policy, now: now),
              entry.action.targetGateway == node || entry.action.path?.hops.last == node else { return nil }
        return entry.action.targetInstance
    }

    /// The decision a policy makes here, or nil to leave it to the FIB.
    func follow(_ entry: PolicyTable.Entry, name: ServiceName, hopLimit: UInt8, flowID: UInt64) -> ForwardingDecision? {
        if let next = entry.nextHop(after: node) {
            guard let candidates = links[next], !candidates.isEmpty else { return nil }
            guard hopLimit > 0 else { return .refuse(.hopLimitExceeded, "hop limit reached 0 at \(node) for \(name)") }
            let link = candidates[FlowHash.pick(flowID: flowID, seed: seed, count: candidates.count)]
            return .forward(link: link, node: next, matched: entry.match.prefix, target: entry.action.targetGateway,
                            policy: entry.id)
        }
        // The path ends here (or there is none): on to the target gateway.
        guard let gateway = entry.action.targetGateway, gateway != node, let hops = nodes[gateway], !hops.isEmpty else {
            return nil
        }
        return forward(hops, matched: entry.match.prefix, target: gateway, hopLimit: hopLimit, flowID: flowID, name: name,
                       policy: entry.id)
    }

    /// Where a call to `name` goes when the local instances of `matched`
    /// cannot take it: pinned to the nearest other gateway that serves it.
    public func decideElsewhere(name: ServiceName, matched: ServiceName, hopLimit: UInt8, flowID: UInt64) -> ForwardingDecision {
        let gateways = (alternates[matched] ?? []).filter { !(nodes[$0] ?? []).isEmpty }
        guard !gateways.isEmpty else {
            return .refuse(.noHealthyInstance, "no healthy instance of \(matched) at \(node), and no other gateway serves it")
        }
        let target = gateways[FlowHash.pick(flowID: flowID, seed: seed, count: gateways.count)]
        return forward(nodes[target]!, matched: matched, target: target, hopLimit: hopLimit, flowID: flowID, name: name)
    }

    func forward(_ hops: [NextHop], matched: ServiceName?, target: NodeID?, hopLimit: UInt8, flowID: UInt64,
                 name: ServiceName, policy: UInt64? = nil) -> ForwardingDecision {
        guard hopLimit > 0 else {
            return .refuse(.hopLimitExceeded, "hop limit reached 0 at \(node) for \(name)")
        }
        let neighbors = hops.compactMap { hop -> (LinkID, NodeID)? in
            if case let .neighbor(link, node) = hop { return (link, node) }
            return nil
        }
        guard !neighbors.isEmpty else { return .refuse(.noRoute, "no route to \(name) at \(node)") }
        let chosen = neighbors[FlowHash.pick(flowID: flowID, seed: seed, count: neighbors.count)]
        return .forward(link: chosen.0, node: chosen.1, matched: matched, target: target, policy: policy)
    }
}
