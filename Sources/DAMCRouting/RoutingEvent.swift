import DAMCWire

/// A local link (interface) of a node, numbered by the node itself.
public typealias LinkID = UInt32

/// What a node advertises for one of its links.
public struct LinkParameters: Hashable, Sendable {
    /// SPF cost, at least 1.
    public var cost: UInt32
    /// Capacity in kbit/s (used by CCDR).
    public var capacityKbps: UInt64

    public init(cost: UInt32, capacityKbps: UInt64) {
        self.cost = max(1, cost)
        self.capacityKbps = capacityKbps
    }
}

/// An input to the routing engine. The engine is sans-I/O: the runtime or
/// the simulator turns sockets, interfaces and clocks into these.
public enum RoutingEvent: Sendable {
    /// A point-to-point link became usable.
    case linkUp(LinkID, LinkParameters)
    /// A link's cost or capacity changed.
    case linkChanged(LinkID, LinkParameters)
    /// A link went away (interface down, configuration removed).
    case linkDown(LinkID)
    /// A datagram arrived on a link.
    case received(LinkID, [UInt8])
    /// The service prefixes this node (a gateway) is authorised to serve.
    case setPrefixes([PrefixEntry])
    /// The prefix filter's verdicts may have changed (a grant expired, SPA
    /// keys were reloaded): the RIB is rebuilt from the same LSDB.
    case prefixFilterChanged
    /// Time passed; handle whatever is due. Send it at `nextDeadline`.
    case tick
    /// Planned shutdown: say goodbye on every link.
    case shutdown
}

extension RoutingEvent {
    /// True for `.prefixFilterChanged`.
    public var isFilterChange: Bool {
        if case .prefixFilterChanged = self { return true }
        return false
    }
}

/// An output of the routing engine.
public enum RoutingAction: Sendable, Equatable {
    /// Send this datagram on this link.
    case send(LinkID, [UInt8])
    /// Apply these changes to the forwarding table (already applied to the
    /// engine's own `fib`).
    case fibChanged([FIBChange])
    /// An adjacency came up or went down (for logs and status lines).
    case adjacencyChanged(link: LinkID, neighbor: NodeID, up: Bool)
}
