import DAMCWire

/// A gateway's or router's class-4 session to the scheduling centre
/// (docs/config.md `scsc`; docs/scheduling.md): where the SCSC listens, the
/// node id its certificate must carry, our TLS files, and how often
/// telemetry goes up.
public struct SCSCClientConfig: Sendable, Equatable {
    public var address: TransportAddress
    /// The SCSC's node id: its certificate's common name must match.
    public var nodeID: NodeID
    public var tls: TLSFiles
    public var telemetryIntervalMs: Int64 = 1000

    public init(address: TransportAddress, nodeID: NodeID, tls: TLSFiles, telemetryIntervalMs: Int64 = 1000) {
        self.address = address
        self.nodeID = nodeID
        self.tls = tls
        self.telemetryIntervalMs = telemetryIntervalMs
    }

    /// Reads `{ "address", "node_id", "tls", "telemetry_interval_ms" }`.
    static func parse(_ reader: inout ObjectReader, directory: String) throws(ConfigError) -> SCSCClientConfig {
        let address = try reader.address("address")
        let id = try reader.nodeID("node_id")
        var tlsReader = try ObjectReader(try reader.required("tls"), file: reader.file, path: reader.child("tls"))
        let tls = try TLSFiles.parse(&tlsReader, directory: directory)
        let interval = try reader.optionalInteger("telemetry_interval_ms", in: 100...600_000) ?? 1000
        try reader.finish()
        return SCSCClientConfig(address: address, nodeID: id, tls: tls, telemetryIntervalMs: interval)
    }

    var json: JSONValue {
        .object(["address": .string(address.description), "node_id": .string(nodeID.rawValue), "tls": tls.json,
                 "telemetry_interval_ms": .int(telemetryIntervalMs)])
    }
}

/// The scheduling centre's own settings (role scsc; docs/config.md
/// `scheduler`): the TLS listener for gateways and routers.
public struct SchedulerSettings: Sendable, Equatable {
    public var listen: TransportAddress
    public var tls: TLSFiles
    /// How long a policy lives at a node unless refreshed, and how often
    /// the centre refreshes it (DESIGN.md §2c: 30 s and 10 s).
    public var policyLifetimeS: Int64 = 30
    public var refreshS: Int64 = 10
    /// The preset conditions that make the centre steer calls itself.
    public var conditions = Conditions()

    /// Preset conditions (docs/scheduling.md §conditions): an instance
    /// breaks them when it is down, or its probe RTT or loss is over the
    /// limit of its prefix (or the default); a link breaks them when its
    /// utilisation is over `congestion`.
    public struct Conditions: Sendable, Equatable {
        public var rttMs: Int64 = 500
        public var lossPPM: Int64 = 100_000
        public var congestion: Double = 0.9
        /// How long a condition must stay clear before its policy is withdrawn.
        public var holdS: Int64 = 30
        /// Limits for particular prefixes (longest match wins; a limit left
        /// out is the default's).
        public var prefixes: [ServiceName: Limits] = [:]

        public struct Limits: Sendable, Equatable {
            public var rttMs: Int64?
            public var lossPPM: Int64?
            public init(rttMs: Int64? = nil, lossPPM: Int64? = nil) {
                self.rttMs = rttMs
                self.lossPPM = lossPPM
            }
        }

        public init() {}

        /// The RTT (ms) and loss (ppm) limits for `prefix`.
        public func limits(for prefix: ServiceName) -> (rttMs: Int64, lossPPM: Int64) {
            var best: (length: Int, rtt: Int64?, loss: Int64?)?
            for (candidate, limit) in prefixes where candidate.isPrefix(of: prefix) && candidate.count >= (best?.length ?? -1) {
                best = (candidate.count, limit.rttMs, limit.lossPPM)
            }
            return (best?.rtt ?? rttMs, best?.loss ?? lossPPM)
        }

        static func parse(_ reader: inout ObjectReader) throws(ConfigError) -> Conditions {
            var conditions = Conditions()
            conditions.rttMs = try reader.optionalInteger("rtt_ms", in: 1...3_600_000) ?? conditions.rttMs
            conditions.lossPPM = try reader.optionalInteger("loss_ppm", in: 0...1_000_000) ?? conditions.lossPPM
            conditions.holdS = try reader.optionalInteger("hold_s", in: 0...86_400) ?? conditions.holdS
            if let percent = try reader.optionalInteger("congestion_percent", in: 1...100) {
                conditions.congestion = Double(percent) / 100
            }
            if let value = reader.value("prefixes"), value != .null {
                guard case let .array(items) = value else { throw reader.error("prefixes", "expected an array") }
                for (index, item) in items.enumerated() {
                    var entry = try ObjectReader(item, file: reader.file, path: "\(reader.child("prefixes"))[\(index)]")
                    let text = try entry.string("prefix")
                    let prefix: ServiceName
                    do { prefix = try ServiceName(text) } catch { throw entry.error("prefix", "\(error)") }
                    guard conditions.prefixes[prefix] == nil else { throw entry.error("prefix", "\(prefix) is listed twice") }
                    let rtt = try entry.optionalInteger("rtt_ms", in: 1...3_600_000)
                    let loss = try entry.optionalInteger("loss_ppm", in: 0...1_000_000)
                    try entry.finish()
                    conditions.prefixes[prefix] = Limits(rttMs: rtt, lossPPM: loss)
                }
            }
            try reader.finish()
            return conditions
        }

        var json: JSONValue {
            .object([
                "rtt_ms": .int(rttMs), "loss_ppm": .int(lossPPM), "congestion_percent": .int(Int64((congestion * 100).rounded())),
                "hold_s": .int(holdS),
                "prefixes": .array(prefixes.keys.sorted().map { prefix in
                    var object: [String: JSONValue] = ["prefix": .string(prefix.description)]
                    if let rtt = prefixes[prefix]!.rttMs { object["rtt_ms"] = .int(rtt) }
                    if let loss = prefixes[prefix]!.lossPPM { object["loss_ppm"] = .int(loss) }
                    return .object(object)
                }),
            ])
        }
    }

    public init(listen: TransportAddress, tls: TLSFiles, policyLifetimeS: Int64 = 30, refreshS: Int64 = 10) {
        self.listen = listen
        self.tls = tls
        self.policyLifetimeS = policyLifetimeS
        self.refreshS = refreshS
    }

    static func parse(_ reader: inout ObjectReader, directory: String) throws(ConfigError) -> SchedulerSettings {
        let listen = try reader.address("listen")
        var tlsReader = try ObjectReader(try reader.required("tls"), file: reader.file, path: reader.child("tls"))
        let tls = try TLSFiles.parse(&tlsReader, directory: directory)
        let lifetime = try reader.optionalInteger("policy_lifetime_s", in: 1...86_400) ?? 30
        let refresh = try reader.optionalInteger("refresh_s", in: 1...86_400) ?? 10
        guard refresh < lifetime else {
            throw reader.error("refresh_s", "\(refresh) s must be shorter than policy_lifetime_s (\(lifetime) s)")
        }
        var settings = SchedulerSettings(listen: listen, tls: tls, policyLifetimeS: lifetime, refreshS: refresh)
        if let value = reader.value("conditions"), value != .null {
            var conditions = try ObjectReader(value, file: reader.file, path: reader.child("conditions"))
            settings.conditions = try Conditions.parse(&conditions)
        }
        try reader.finish()
        return settings
    }

    var json: JSONValue {
        .object(["listen": .string(listen.description), "tls": tls.json, "policy_lifetime_s": .int(policyLifetimeS),
                 "refresh_s": .int(refreshS), "conditions": conditions.json])
    }
}
