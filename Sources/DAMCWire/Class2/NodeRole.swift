/// What a node is (DESIGN.md §1). Carried in hellos so that each end knows
/// whether the other may be transit.
public enum NodeRole: UInt64, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// Service Gateway: serves pods, never transit.
    case gateway = 1
    /// Service Router: transit.
    case router = 2
    /// Service Prefix Authentication server.
    case authenticator = 3
    /// Scheduling centre: listens to the LSDB, never transit.
    case scheduler = 4

    public var description: String {
        switch self {
        case .gateway: return "sg"
        case .router: return "sr"
        case .authenticator: return "spa"
        case .scheduler: return "scsc"
        }
    }
}

/// Flags of a hello (docs/wire.md §5.2).
public struct HelloFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The sender is shutting down: drop the adjacency now, do not wait for
    /// the dead interval.
    public static let goodbye = HelloFlags(rawValue: 1 << 0)
}

/// Node-wide flags carried in an adjacency LSA (docs/wire.md §5.4).
public struct NodeFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// SPF must never route through this node (gateways; like the IS-IS
    /// overload bit, but permanent).
    public static let noTransit = NodeFlags(rawValue: 1 << 0)
    /// The node only listens to the LSDB (the SCSC): it originates nothing
    /// that attracts traffic.
    public static let listenOnly = NodeFlags(rawValue: 1 << 1)
}
