import DAMCRouting
import DAMCWire

/// What one hop does with a call (draft-li-icnrg-damc §7.2; docs/forwarding.md §hops).
public enum ForwardingDecision: Sendable, Equatable {
    /// This gateway serves the name: hand the call to a local instance.
    case local(matched: ServiceName)
    /// Send the call on to `node` over `link`, with the hop limit one lower.
    case forward(link: LinkID, node: NodeID, matched: ServiceName)
    /// Refuse the call; the reply names this hop and the reason.
    case refuse(ReasonCode, String)
}

/// The tables one hop consults, as a value the forwarding threads share:
/// the routing engine's FIB and, for a gateway, where else each of its own
/// prefixes is served (so a call it cannot serve locally goes on to
/// another gateway). The daemon publishes a new one whenever the FIB
/// changes; a call keeps the one it started with.
public struct ForwardingTable: Sendable {
    public var node: NodeID
    public var fib: FIB
    /// Local prefix → next hops towards the nearest other gateway serving it.
    public var alternates: [ServiceName: [NextHop]]

    public init(node: NodeID, fib: FIB = FIB(), alternates: [ServiceName: [NextHop]] = [:]) {
        self.node = node
        self.fib = fib
        self.alternates = alternates
    }

    /// The decision for a call to `name` arriving with `hopLimit` hops left
    /// (the ingress passes its initial limit). A call that arrives with 0
    /// is refused; ties among equal-cost next hops are broken by `flowID`.
    public func decide(name: ServiceName, hopLimit: UInt8, flowID: UInt64) -> ForwardingDecision {
        guard let (matched, hops) = fib.lookup(name), !hops.isEmpty else {
            return .refuse(.noRoute, "no route to \(name) at \(node)")
        }
        if hops.contains(.local) { return .local(matched: matched) }
        return forward(hops, matched: matched, hopLimit: hopLimit, flowID: flowID, name: name)
    }

    /// Where a call to `name` goes when the local instances of `matched`
    /// cannot take it: on to the nearest other gateway that serves it.
    public func decideElsewhere(name: ServiceName, matched: ServiceName, hopLimit: UInt8, flowID: UInt64) -> ForwardingDecision {
        guard let hops = alternates[matched], !hops.isEmpty else {
            return .refuse(.noHealthyInstance, "no healthy instance of \(matched) at \(node), and no other gateway serves it")
        }
        return forward(hops, matched: matched, hopLimit: hopLimit, flowID: flowID, name: name)
    }

    func forward(_ hops: [NextHop], matched: ServiceName, hopLimit: UInt8, flowID: UInt64, name: ServiceName) -> ForwardingDecision {
        guard hopLimit > 0 else {
            return .refuse(.hopLimitExceeded, "hop limit reached 0 at \(node) for \(name)")
        }
        let neighbors = hops.compactMap { hop -> (LinkID, NodeID)? in
            if case let .neighbor(link, node) = hop { return (link, node) }
            return nil
        }
        guard !neighbors.isEmpty else { return .refuse(.noRoute, "no route to \(name) at \(node)") }
        let chosen = neighbors[FlowHash.pick(flowID: flowID, node: node, count: neighbors.count)]
        return .forward(link: chosen.0, node: chosen.1, matched: matched)
    }
}
