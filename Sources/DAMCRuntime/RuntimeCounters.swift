/// Counters of the runtime around one routing engine: what happened to
/// datagrams before the engine saw them, and to management requests and
/// reloads. Read by `damcctl show counters` next to the engine's own.
public struct RuntimeCounters: Sendable, Equatable {
    public var datagramsReceived = 0
    public var datagramsSent = 0
    /// Datagrams whose source is not the link's configured peer: dropped
    /// before decoding.
    public var datagramsFromUnknownPeers = 0
    /// Datagrams larger than the receive buffer: dropped.
    public var datagramsOversized = 0
    /// `sendto` failures (full buffers, unreachable peers).
    public var sendErrors = 0
    public var reloads = 0
    /// Reloads refused because the new config was invalid or changed what
    /// cannot change while running.
    public var reloadsRefused = 0
    /// CLOCK_MONOTONIC (ns, host-wide) of the last adjacency change, LSA
    /// installed, SPF run and FIB change: lets a benchmark on the same host
    /// split convergence into detection, flooding, SPF and FIB.
    public var lastAdjacencyChange: Int64?
    public var lastLSAInstalled: Int64?
    public var lastSPFRun: Int64?
    public var lastFIBChange: Int64?

    public init() {}
}
