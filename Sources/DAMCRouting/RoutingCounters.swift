/// Counters of one routing node (OpenR-style: built in, always on). The
/// daemon layer reads them for `damcctl show counters`; the simulator
/// sums them to bound message counts.
public struct RoutingCounters: Sendable, Equatable {
    public var hellosSent = 0
    public var hellosReceived = 0
    public var adjacenciesUp = 0
    public var adjacenciesDown = 0
    /// LSA instances this node originated (including refreshes and purges).
    public var lsasOriginated = 0
    /// LSA instances received in updates.
    public var lsasReceived = 0
    /// Received instances that were newer and installed.
    public var lsasInstalled = 0
    /// Received instances identical to the one held.
    public var lsasDuplicate = 0
    /// Received instances older than the one held (answered with ours).
    public var lsasOlder = 0
    /// Received instances dropped as impossible (remaining lifetime over
    /// `maxAcceptedLifetime`).
    public var lsasRejected = 0
    /// LSA copies sent for the first time to a neighbour.
    public var lsasFlooded = 0
    /// LSA copies sent again because no ack came.
    public var lsasRetransmitted = 0
    public var updatesSent = 0
    public var acksSent = 0
    public var acksReceived = 0
    public var summariesSent = 0
    /// Full resynchronisations started because a neighbour restarted its
    /// side of an adjacency that stayed up on ours.
    public var resynchronisations = 0
    public var requestsSent = 0
    public var spfRuns = 0
    public var fibChanges = 0
    /// Datagrams that failed to decode, by `WireError` case name.
    public var decodeErrors: [String: Int] = [:]
    /// Well-formed datagrams refused: from ourselves, from a node that is
    /// not the link's neighbour, of a class that does not belong on a link.
    public var packetsRefused = 0
    /// Class-2 packets dropped by authentication (docs/routing.md §9):
    /// no trailer, a key the chain does not accept, a wrong MAC, or a
    /// sequence number not above the last one accepted on the link.
    public var authMissing = 0
    public var authUnknownKey = 0
    public var authBadMAC = 0
    public var authReplays = 0
    /// Prefix entries the prefix filter refused in the last RIB build
    /// (no valid grant): they reach no FIB.
    public var prefixesRefused = 0
    /// Time from the first LSDB or adjacency change to the FIB update that
    /// reflected it, for the most recent update, and the largest seen.
    public var lastConvergence: Duration?
    public var maxConvergence: Duration?

    public init() {}

    /// Total decode errors.
    public var decodeErrorTotal: Int { decodeErrors.values.reduce(0, +) }
}
