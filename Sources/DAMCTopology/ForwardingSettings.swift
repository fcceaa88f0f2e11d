import DAMCWire

/// The forwarding plane's settings in a node's config (`"forwarding"`,
/// docs/config.md §forwarding): where a gateway takes calls from its pods,
/// the limits that protect every hop, and how a gateway checks its
/// instances. Every field has a default, so the key may be left out.
public struct ForwardingSettings: Sendable, Equatable {
    /// Health checks of a gateway's instances (HAProxy's inter/fall/rise).
    public struct Health: Sendable, Equatable {
        /// Why `path` cannot be a probe's path (it must start with / and
        /// hold no spaces or control bytes), or nil when it can.
        public static func problem(httpPath path: String) -> String? {
            path.hasPrefix("/") && path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
                ? nil : "'\(path)' must be a path starting with / and without spaces"
        }

        public var intervalMs: Int64 = 1000
        public var timeoutMs: Int64 = 500
        public var fall: Int = 3
        public var rise: Int = 2
        /// An HTTP GET path; nil: a TCP connect is the probe.
        public var httpPath: String?

        public init() {}
    }

    /// A gateway's pod-facing HTTP listener (calls enter DAMC here); nil: none.
    public var ingress: TransportAddress?
    /// Hops a call may take (the ingress's initial hop limit).
    public var hopLimit: Int = 16
    /// Calls this node carries at once; more get an `overloaded` error.
    public var maxCalls: Int = 4096
    /// The largest HTTP request or response head.
    public var maxHeadBytes: Int = 16 * 1024
    /// The most header fields in one head.
    public var maxHeaderFields: Int = 100
    /// Time for a whole request head (slow clients that trickle get 408).
    public var headerTimeoutMs: Int64 = 10_000
    /// Time without progress before a call or an idle keep-alive connection is closed.
    public var idleTimeoutMs: Int64 = 60_000
    /// Time to connect to a next hop or an instance.
    public var connectTimeoutMs: Int64 = 1_000
    /// Bodiless calls share one multiplexed connection per neighbour and
    /// event loop (docs/wire.md §5.9); false: one call per connection.
    public var multiplexHops = true
    /// How long a response parked on a multiplexed connection waits for
    /// its resume call.
    public var parkTimeoutMs: Int64 = 10_000
    public var health = Health()

    public init() {}

    /// Reads the `"forwarding"` object.
    public static func parse(_ value: JSONValue, file: String, path: String, role: NodeRole) throws(ConfigError) -> ForwardingSettings {
        var reader = try ObjectReader(value, file: file, path: path)
        var settings = ForwardingSettings()
        if let text = try reader.optionalString("ingress") {
            guard role == .gateway else { throw reader.error("ingress", "only gateways (role sg) take calls from pods") }
            do { settings.ingress = try TransportAddress(parsing: text) } catch { throw reader.error("ingress", error.reason) }
        }
        settings.hopLimit = Int(try reader.optionalInteger("hop_limit", in: 1...255) ?? 16)
        settings.maxCalls = Int(try reader.optionalInteger("max_calls", in: 1...1_000_000) ?? 4096)
        settings.maxHeadBytes = Int(try reader.optionalInteger("max_head_bytes", in: 1024...1_048_576) ?? 16_384)
        settings.maxHeaderFields = Int(try reader.optionalInteger("max_header_fields", in: 1...10_000) ?? 100)
        settings.headerTimeoutMs = try reader.optionalInteger("header_timeout_ms", in: 10...3_600_000) ?? 10_000
        settings.idleTimeoutMs = try reader.optionalInteger("idle_timeout_ms", in: 10...86_400_000) ?? 60_000
        settings.connectTimeoutMs = try reader.optionalInteger("connect_timeout_ms", in: 10...600_000) ?? 1_000
        settings.multiplexHops = try reader.optionalBool("multiplex_hops") ?? true
        settings.parkTimeoutMs = try reader.optionalInteger("park_timeout_ms", in: 100...600_000) ?? 10_000
        if let healthValue = reader.value("health"), healthValue != .null {
            var health = try ObjectReader(healthValue, file: file, path: reader.child("health"))
            settings.health.intervalMs = try health.optionalInteger("interval_ms", in: 10...3_600_000) ?? 1000
            settings.health.timeoutMs = try health.optionalInteger("timeout_ms", in: 10...600_000) ?? 500
            settings.health.fall = Int(try health.optionalInteger("fall", in: 1...1000) ?? 3)
            settings.health.rise = Int(try health.optionalInteger("rise", in: 1...1000) ?? 2)
            if let path = try health.optionalString("http_path") {
                if let problem = Health.problem(httpPath: path) { throw health.error("http_path", problem) }
                settings.health.httpPath = path
            }
            guard settings.health.timeoutMs <= settings.health.intervalMs else {
                throw health.error("timeout_ms", "\(settings.health.timeoutMs) must not exceed interval_ms (\(settings.health.intervalMs))")
            }
            try health.finish()
        }
        try reader.finish()
        return settings
    }

    /// The settings as the config file writes them (defaults included).
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "hop_limit": .integer(Int64(hopLimit)), "max_calls": .integer(Int64(maxCalls)),
            "max_head_bytes": .integer(Int64(maxHeadBytes)), "max_header_fields": .integer(Int64(maxHeaderFields)),
            "header_timeout_ms": .integer(headerTimeoutMs), "idle_timeout_ms": .integer(idleTimeoutMs),
            "connect_timeout_ms": .integer(connectTimeoutMs), "multiplex_hops": .bool(multiplexHops),
            "park_timeout_ms": .integer(parkTimeoutMs),
        ]
        var healthObject: [String: JSONValue] = [
            "interval_ms": .integer(health.intervalMs), "timeout_ms": .integer(health.timeoutMs),
            "fall": .integer(Int64(health.fall)), "rise": .integer(Int64(health.rise)),
        ]
        if let path = health.httpPath { healthObject["http_path"] = .string(path) }
        object["health"] = .object(healthObject)
        if let ingress { object["ingress"] = .string(ingress.description) }
        return .object(object)
    }
}
