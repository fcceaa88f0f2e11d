import DAMCWire

/// One instance of a service behind this gateway, with what its probes
/// and calls have shown (draft-li-icnrg-damc §6 item 3, "service
/// measurement"): the state the balancer chooses by and the telemetry the
/// scheduling centre consumes.
public struct Instance: Sendable, Equatable {
    /// The prefix the pod registered (calls matched on it come here).
    public var prefix: ServiceName
    public var pod: PodID?
    public var endpoint: Endpoint
    /// Relative share of calls (from the registration; 1...65535).
    public var weight: UInt16
    /// In service: not ejected.
    public var healthy = true
    /// Why it was last ejected.
    public var ejectedBecause: String?
    public var consecutiveFailures = 0
    public var consecutiveSuccesses = 0
    /// Calls in progress.
    public var outstanding = 0
    /// Smoothed probe round-trip time in microseconds (EWMA, α = 1/4).
    public var rttMicros: Double?
    /// Outcomes of the last probes, newest last (true: success).
    public var recentProbes: [Bool] = []
    public var probes = 0
    public var probeFailures = 0
    public var passiveFailures = 0
    public var calls = 0
    /// When `healthy` last changed (monotonic nanoseconds).
    public var changedAt: Int64 = 0

    public init(prefix: ServiceName, pod: PodID?, endpoint: Endpoint, weight: UInt16) {
        self.prefix = prefix
        self.pod = pod
        self.endpoint = endpoint
        self.weight = max(weight, 1)
    }

    /// Probe loss over the recent window, in parts per million.
    public var lossPPM: UInt32 {
        guard !recentProbes.isEmpty else { return 0 }
        let failed = recentProbes.count { !$0 }
        return UInt32(failed * 1_000_000 / recentProbes.count)
    }

    /// The telemetry record of this instance (docs/wire.md §5.7).
    public var report: InstanceReport {
        InstanceReport(prefix: prefix, pod: pod, endpoint: endpoint,
                       rttMicros: rttMicros.map { UInt32(min($0, Double(UInt32.max))) },
                       lossPPM: lossPPM, available: healthy)
    }
}
