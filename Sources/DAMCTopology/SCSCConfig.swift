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
        let addressText = try reader.string("address")
        let address: TransportAddress
        do { address = try TransportAddress(parsing: addressText) } catch { throw reader.error("address", error.reason) }
        let nodeText = try reader.string("node_id")
        let id: NodeID
        do { id = try NodeID(nodeText) } catch { throw reader.error("node_id", "\(error)") }
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

    public init(listen: TransportAddress, tls: TLSFiles, policyLifetimeS: Int64 = 30, refreshS: Int64 = 10) {
        self.listen = listen
        self.tls = tls
        self.policyLifetimeS = policyLifetimeS
        self.refreshS = refreshS
    }

    static func parse(_ reader: inout ObjectReader, directory: String) throws(ConfigError) -> SchedulerSettings {
        let listenText = try reader.string("listen")
        let listen: TransportAddress
        do { listen = try TransportAddress(parsing: listenText) } catch { throw reader.error("listen", error.reason) }
        var tlsReader = try ObjectReader(try reader.required("tls"), file: reader.file, path: reader.child("tls"))
        let tls = try TLSFiles.parse(&tlsReader, directory: directory)
        let lifetime = try reader.optionalInteger("policy_lifetime_s", in: 1...86_400) ?? 30
        let refresh = try reader.optionalInteger("refresh_s", in: 1...86_400) ?? 10
        guard refresh < lifetime else {
            throw reader.error("refresh_s", "\(refresh) s must be shorter than policy_lifetime_s (\(lifetime) s)")
        }
        try reader.finish()
        return SchedulerSettings(listen: listen, tls: tls, policyLifetimeS: lifetime, refreshS: refresh)
    }

    var json: JSONValue {
        .object(["listen": .string(listen.description), "tls": tls.json, "policy_lifetime_s": .int(policyLifetimeS),
                 "refresh_s": .int(refreshS)])
    }
}
