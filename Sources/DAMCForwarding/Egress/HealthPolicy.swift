/// How a gateway checks its instances (docs/forwarding.md §health), in the
/// manner of HAProxy's `inter`, `fall` and `rise`: a probe every
/// `intervalMs`, ejected after `fall` failures in a row, restored after
/// `rise` successes in a row. Passive evidence (a refused or reset
/// connection during a call) ejects at once.
public struct HealthPolicy: Sendable, Equatable {
    public var intervalMs: Int64 = 1000
    public var timeoutMs: Int64 = 500
    public var fall: Int = 3
    public var rise: Int = 2
    /// An HTTP GET on this path (2xx or 3xx is healthy); nil: a TCP connect.
    public var httpPath: String?
    /// How many recent probes the loss figure covers.
    public var lossWindow: Int = 20

    public init(intervalMs: Int64 = 1000, timeoutMs: Int64 = 500, fall: Int = 3, rise: Int = 2,
                httpPath: String? = nil, lossWindow: Int = 20) {
        self.intervalMs = intervalMs
        self.timeoutMs = timeoutMs
        self.fall = fall
        self.rise = rise
        self.httpPath = httpPath
        self.lossWindow = lossWindow
    }
}
