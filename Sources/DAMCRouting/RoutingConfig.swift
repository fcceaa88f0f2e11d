import DAMCWire

/// Timers and limits of one routing node. Defaults are DESIGN.md §2c's:
/// hello 1 s / dead 4 s, LSA lifetime 3600 s refreshed every 1800 s, SPF
/// back-off 50 ms / 200 ms / 5 s (RFC 8405).
public struct RoutingConfig: Sendable {
    public var nodeID: NodeID
    public var role: NodeRole
    /// Between hellos on each link (at least 100 ms is sensible).
    public var helloInterval: Duration = .seconds(1)
    /// Without a hello for this long, a neighbour is down (≥ hello interval).
    public var deadInterval: Duration = .seconds(4)
    /// An unacknowledged LSA is sent again after this long.
    public var retransmitInterval: Duration = .seconds(1)
    /// After an adjacency comes up, the database summary has this long to
    /// prune the full transfer before it starts (docs/routing.md §4).
    public var summaryHold: Duration = .milliseconds(200)
    /// Remaining lifetime given to originated LSAs, seconds.
    public var lsaLifetime: UInt16 = 3600
    /// A received LSA claiming more remaining lifetime than this is
    /// impossible (no originator gives that much) and is dropped and counted.
    public var maxAcceptedLifetime: UInt16 = 7200
    /// Own LSAs are re-originated this long after their last origination.
    public var refreshInterval: Duration = .seconds(1800)
    /// The first origination after start waits this long, so adjacencies
    /// that come up together are announced in one LSA.
    public var initialOriginationDelay: Duration = .milliseconds(50)
    /// At least this long between two originations of the same LSA.
    public var minOriginationInterval: Duration = .milliseconds(100)
    /// A purged LSA (lifetime 0) is kept this long, then forgotten.
    public var purgeHold: Duration = .seconds(60)
    /// Target size of an originated LSA; content beyond it goes to the next
    /// fragment. Keeps one LSA per datagram below a 1500-byte MTU.
    public var lsaTargetBytes: Int = 1400
    /// Largest datagram the engine builds (LSUs and acks are split to fit).
    public var maxDatagramBytes: Int = 1400
    /// SPF scheduling (RFC 8405).
    public var spfThrottle = SPFThrottle.Configuration()
    /// Signs and checks class-2 packets; nil: no authentication.
    public var authenticator: (any PacketAuthenticator)?
    /// The sequence number before the first signed packet. The runtime
    /// starts it from the wall clock (nanoseconds), so a restarted node
    /// continues above what its neighbours saw before (RFC 7474 §4's aim).
    public var authSequenceStart: UInt64 = 0

    public init(nodeID: NodeID, role: NodeRole) {
        self.nodeID = nodeID
        self.role = role
    }

    /// Node flags implied by the role: gateways and the scheduling centre are
    /// never transit; the scheduling centre only listens.
    public var nodeFlags: NodeFlags {
        switch role {
        case .gateway: return .noTransit
        case .scheduler: return [.noTransit, .listenOnly]
        case .router, .authenticator: return []
        }
    }
}
