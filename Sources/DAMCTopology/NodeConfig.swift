import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials   // JSONDecoder, Data, FileManager without ICU: smaller daemons
#else
import Foundation
#endif

/// The configuration file of one routing daemon (`damc-sr`, `damc-sg`):
/// who it is, its links (a UDP socket each), its timers, where its
/// management socket lives and, for a gateway, the services its pods
/// offer. docs/config.md is the reference; `damcctl config render`
/// produces one from a topology file, so a single topology drives the
/// simulator, the loopback tests and the lab.
public struct NodeConfig: Sendable, Equatable {
    /// Protocol timers (DESIGN.md §2c defaults).
    public struct Timers: Sendable, Equatable {
        public var helloMs: Int64 = 1000
        public var deadMs: Int64 = 4000
        public var retransmitMs: Int64 = 1000
        public var lsaLifetimeS: Int64 = 3600
        public var spfInitialMs: Int64 = 50
        public var spfShortMs: Int64 = 200
        public var spfLongMs: Int64 = 5000

        public init() {}

        /// The fastest timers the issue allows: 100 ms hellos, 300 ms dead.
        public static var fast: Timers {
            var timers = Timers()
            timers.helloMs = 100
            timers.deadMs = 300
            timers.retransmitMs = 200
            timers.spfInitialMs = 10
            timers.spfShortMs = 50
            timers.spfLongMs = 200
            return timers
        }
    }

    /// A point-to-point link: a UDP socket bound to `local`, talking to `peer`.
    public struct Link: Sendable, Equatable {
        /// The engine's link id (1...), unique in this file.
        public var id: UInt32
        /// A label for tables (usually the neighbour's node id).
        public var name: String
        public var local: TransportAddress
        public var peer: TransportAddress
        public var cost: UInt32
        public var capacityMbps: UInt64

        public init(id: UInt32, name: String, local: TransportAddress, peer: TransportAddress,
                    cost: UInt32 = 10, capacityMbps: UInt64 = 1000) {
            self.id = id
            self.name = name
            self.local = local
            self.peer = peer
            self.cost = cost
            self.capacityMbps = capacityMbps
        }
    }

    /// One key of the class-2 key chain (docs/config.md): its secret is in
    /// a file, never in the config itself.
    public struct AuthenticationKey: Sendable, Equatable {
        public var number: UInt16
        /// Absolute path (relative paths are resolved against the config's directory).
        public var secretFile: String
        public var send: Bool
        public var accept: Bool

        public init(number: UInt16, secretFile: String, send: Bool = true, accept: Bool = true) {
            self.number = number
            self.secretFile = secretFile
            self.send = send
            self.accept = accept
        }
    }

    /// A public key of the SPA that signs grants, by key id.
    public struct GrantKey: Sendable, Equatable {
        public var keyID: KeyID
        public var publicKeyFile: String

        public init(keyID: KeyID, publicKeyFile: String) {
            self.keyID = keyID
            self.publicKeyFile = publicKeyFile
        }
    }

    public var nodeID: NodeID
    public var role: NodeRole
    /// The management socket's path; nil means `/run/damc/<node-id>.sock`.
    public var managementSocket: String?
    public var timers = Timers()
    public var links: [Link] = []
    /// Services of this gateway's pods (role sg only).
    public var services: [Topology.Service] = []
    /// The class-2 key chain; empty: packets are neither signed nor checked.
    public var authenticationKeys: [AuthenticationKey] = []
    /// SPA keys; when present, a prefix enters the RIB only with a valid grant.
    public var grantKeys: [GrantKey] = []
    /// A gateway's SPA: with it, services are advertised only once granted.
    public var spa: SPAClientConfig?
    /// A gateway's or router's session to the scheduling centre (class 4).
    public var scsc: SCSCClientConfig?
    /// The scheduling centre's listener (role scsc only, and required there).
    public var scheduler: SchedulerSettings?
    /// A gateway's pod registration socket (class 1) and who may use it.
    public var pods: PodAccess?
    /// The forwarding plane: ingress, limits, health checks.
    public var forwarding = ForwardingSettings()

    /// Class 1 access (docs/config.md): a Unix socket where local pods
    /// announce and withdraw prefixes; the peer's uid (SO_PEERCRED) says
    /// which pod it is.
    public struct PodAccess: Sendable, Equatable {
        /// The Unix socket (pods identified by uid), if any.
        public var socket: String?
        /// uid → pod id.
        public var uids: [UInt32: PodID]
        /// A TCP listener on the pod-facing address (pods identified by token), if any.
        public var listen: TransportAddress?
        /// pod id → file holding its token.
        public var tokenFiles: [PodID: String]

        public init(socket: String?, uids: [UInt32: PodID], listen: TransportAddress? = nil, tokenFiles: [PodID: String] = [:]) {
            self.socket = socket
            self.uids = uids
            self.listen = listen
            self.tokenFiles = tokenFiles
        }
    }

    public init(nodeID: NodeID, role: NodeRole) {
        self.nodeID = nodeID
        self.role = role
    }

    /// Where the management socket is: the configured path or the default.
    public var managementSocketPath: String {
        managementSocket ?? "\(Self.defaultSocketDirectory)/\(nodeID.rawValue).sock"
    }

    public static let defaultSocketDirectory = "/run/damc"

    // MARK: Reading

    /// Reads and validates a config file.
    public static func load(path: String) throws(ConfigError) -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, keyPath: "", reason: "cannot be read")
        }
        return try parse(data, file: path)
    }

    /// Validates a config document. Every problem names the file, the key
    /// path and the reason; unknown keys are refused.
    public static func parse(_ data: Data, file: String) throws(ConfigError) -> NodeConfig {
        var root = try ObjectReader(JSONValue.parse(data, file: file), file: file, path: "")
        let id = try root.nodeID("node_id")
        let role = try Topology.role(&root, "role")
        var config = NodeConfig(nodeID: id, role: role)
        if let socket = try root.optionalString("management_socket") {
            guard socket.hasPrefix("/"), socket.utf8.count < 108 else {
                throw root.error("management_socket", "'\(socket)' must be an absolute path under 108 bytes")
            }
            config.managementSocket = socket
        }
        if let value = root.value("timers"), value != .null {
            var timers = try ObjectReader(value, file: file, path: root.child("timers"))
            var parsed = Timers()
            parsed.helloMs = try timers.optionalInteger("hello_ms", in: 100...60_000) ?? parsed.helloMs
            parsed.deadMs = try timers.optionalInteger("dead_ms", in: 300...600_000) ?? parsed.deadMs
            parsed.retransmitMs = try timers.optionalInteger("retransmit_ms", in: 50...60_000) ?? parsed.retransmitMs
            parsed.lsaLifetimeS = try timers.optionalInteger("lsa_lifetime_s", in: 60...7200) ?? parsed.lsaLifetimeS
            parsed.spfInitialMs = try timers.optionalInteger("spf_initial_ms", in: 0...60_000) ?? parsed.spfInitialMs
            parsed.spfShortMs = try timers.optionalInteger("spf_short_ms", in: 0...60_000) ?? parsed.spfShortMs
            parsed.spfLongMs = try timers.optionalInteger("spf_long_ms", in: 0...600_000) ?? parsed.spfLongMs
            guard parsed.deadMs >= 3 * parsed.helloMs else {
                throw timers.error("dead_ms", "\(parsed.deadMs) must be at least 3 x hello_ms (\(3 * parsed.helloMs))")
            }
            guard parsed.spfInitialMs <= parsed.spfShortMs, parsed.spfShortMs <= parsed.spfLongMs else {
                throw timers.error("spf_short_ms", "need spf_initial_ms <= spf_short_ms <= spf_long_ms")
            }
            try timers.finish()
            config.timers = parsed
        }
        var linkIDs: Set<UInt32> = [], locals: Set<TransportAddress> = []
        for (path, value) in try root.array("links", required: false) {
            var reader = try ObjectReader(value, file: file, path: path)
            let linkID = UInt32(try reader.integer("id", in: 1...Int64(UInt16.max)))
            guard linkIDs.insert(linkID).inserted else { throw reader.error("id", "duplicate link id \(linkID)") }
            let name = try reader.optionalString("name") ?? "link\(linkID)"
            func address(_ key: String) throws(ConfigError) -> TransportAddress {
                let text = try reader.string(key)
                do { return try TransportAddress(parsing: text) } catch { throw reader.error(key, error.reason) }
            }
            let local = try address("local")
            let peer = try address("peer")
            guard locals.insert(local).inserted else {
                throw reader.error("local", "\(local) is already the local address of another link")
            }
            guard local.isIPv6 == peer.isIPv6 else {
                throw reader.error("peer", "\(peer) and local \(local) are of different address families")
            }
            let cost = try reader.optionalInteger("cost", in: 1...Int64(UInt32.max)) ?? 10
            let capacity = try reader.optionalInteger("capacity_mbps", in: 1...1_000_000_000) ?? 1000
            try reader.finish()
            config.links.append(Link(id: linkID, name: name, local: local, peer: peer,
                                     cost: UInt32(cost), capacityMbps: UInt64(capacity)))
        }
        config.services = try Topology.Service.parseList(&root, role: role)
        let directory = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : "\(directory)/\(path)" }
        if let value = root.value("authentication"), value != .null {
            var authentication = try ObjectReader(value, file: file, path: root.child("authentication"))
            var numbers: Set<UInt16> = []
            for (path, item) in try authentication.array("keys") {
                var key = try ObjectReader(item, file: file, path: path)
                let number = UInt16(try key.integer("number", in: 0...Int64(UInt16.max)))
                guard numbers.insert(number).inserted else { throw key.error("number", "duplicate key number \(number)") }
                let secretFile = resolve(try key.string("secret_file"))
                let send = try key.optionalBool("send") ?? true
                let accept = try key.optionalBool("accept") ?? true
                try key.finish()
                config.authenticationKeys.append(AuthenticationKey(number: number, secretFile: secretFile, send: send, accept: accept))
            }
            guard config.authenticationKeys.filter(\.send).count <= 1 else {
                throw ConfigError(file: file, keyPath: authentication.child("keys"), reason: "more than one key has \"send\": true")
            }
            try authentication.finish()
        }
        if let value = root.value("spa"), value != .null {
            var spa = try ObjectReader(value, file: file, path: root.child("spa"))
            guard role == .gateway else { throw root.error("spa", "only gateways (role sg) talk to the SPA") }
            let address = try spa.address("address")
            let spaID = try spa.nodeID("node_id")
            var tlsReader = try ObjectReader(try spa.required("tls"), file: file, path: spa.child("tls"))
            let tls = try TLSFiles.parse(&tlsReader, directory: directory)
            try spa.finish()
            config.spa = SPAClientConfig(address: address, nodeID: spaID, tls: tls)
        }
        if let value = root.value("scsc"), value != .null {
            guard role == .gateway || role == .router else {
                throw root.error("scsc", "only gateways and routers (roles sg, sr) report to a scheduling centre")
            }
            var reader = try ObjectReader(value, file: file, path: root.child("scsc"))
            config.scsc = try SCSCClientConfig.parse(&reader, directory: directory)
        }
        if let value = root.value("scheduler"), value != .null {
            guard role == .scheduler else { throw root.error("scheduler", "only a scheduling centre (role scsc) has a scheduler") }
            var reader = try ObjectReader(value, file: file, path: root.child("scheduler"))
            config.scheduler = try SchedulerSettings.parse(&reader, directory: directory)
        } else if role == .scheduler {
            throw root.error("scheduler", "a scheduling centre (role scsc) needs its listener and TLS files")
        }
        if let value = root.value("pods"), value != .null {
            guard role == .gateway else { throw root.error("pods", "only gateways (role sg) register pods") }
            var pods = try ObjectReader(value, file: file, path: root.child("pods"))
            let socket = try pods.optionalString("socket")
            if let socket, !socket.hasPrefix("/") || socket.utf8.count >= 108 {
                throw pods.error("socket", "'\(socket)' must be an absolute path under 108 bytes")
            }
            var uids: [UInt32: PodID] = [:]
            if let uidsValue = pods.value("uids"), uidsValue != .null {
                guard let members = uidsValue.objectValue else { throw pods.error("uids", "expected an object of uid: pod id") }
                for (uidText, podValue) in members.sorted(by: { $0.key < $1.key }) {
                    guard let uid = UInt32(uidText) else { throw pods.error("uids", "'\(uidText)' is not a uid") }
                    guard let podText = podValue.stringValue, let pod = try? PodID(podText) else {
                        throw ConfigError(file: file, keyPath: "pods.uids.\(uidText)", reason: "expected a pod id")
                    }
                    uids[uid] = pod
                }
            }
            var listen: TransportAddress?
            if let text = try pods.optionalString("listen") {
                do { listen = try TransportAddress(parsing: text) } catch { throw pods.error("listen", error.reason) }
            }
            var tokenFiles: [PodID: String] = [:]
            for (path, item) in try pods.array("tokens", required: false) {
                var token = try ObjectReader(item, file: file, path: path)
                let podText = try token.string("pod")
                let pod: PodID
                do { pod = try PodID(podText) } catch { throw token.error("pod", "\(error)") }
                guard tokenFiles[pod] == nil else { throw token.error("pod", "a second token for '\(pod)'") }
                tokenFiles[pod] = resolve(try token.string("token_file"))
                try token.finish()
            }
            guard socket != nil || listen != nil else {
                throw ConfigError(file: file, keyPath: "pods", reason: "needs a socket, a listen address, or both")
            }
            guard listen == nil || !tokenFiles.isEmpty else {
                throw pods.error("tokens", "a TCP listener needs at least one pod token")
            }
            try pods.finish()
            config.pods = PodAccess(socket: socket, uids: uids, listen: listen, tokenFiles: tokenFiles)
        }
        if let value = root.value("forwarding"), value != .null {
            config.forwarding = try ForwardingSettings.parse(value, file: file, path: root.child("forwarding"), role: role)
        }
        var keyIDs: Set<KeyID> = []
        for (path, item) in try root.array("grant_keys", required: false) {
            var key = try ObjectReader(item, file: file, path: path)
            let text = try key.string("key_id")
            let keyID: KeyID
            do { keyID = try KeyID(text) } catch { throw key.error("key_id", "\(error)") }
            guard keyIDs.insert(keyID).inserted else { throw key.error("key_id", "duplicate key id '\(keyID)'") }
            let publicKeyFile = resolve(try key.string("public_key_file"))
            try key.finish()
            config.grantKeys.append(GrantKey(keyID: keyID, publicKeyFile: publicKeyFile))
        }
        try root.finish()
        return config
    }

    // MARK: Writing

    /// The config as a JSON value in the file format `parse` reads.
    public var json: JSONValue {
        var root: [String: JSONValue] = [
            "node_id": .string(nodeID.rawValue),
            "role": .string(role.description),
            "timers": .object([
                "hello_ms": .integer(timers.helloMs), "dead_ms": .integer(timers.deadMs),
                "retransmit_ms": .integer(timers.retransmitMs), "lsa_lifetime_s": .integer(timers.lsaLifetimeS),
                "spf_initial_ms": .integer(timers.spfInitialMs), "spf_short_ms": .integer(timers.spfShortMs),
                "spf_long_ms": .integer(timers.spfLongMs),
            ]),
            "links": .array(links.map { link in
                .object(["id": .int(link.id), "name": .string(link.name), "local": .string(link.local.description),
                         "peer": .string(link.peer.description), "cost": .int(link.cost),
                         "capacity_mbps": .int(link.capacityMbps)])
            }),
        ]
        if let managementSocket { root["management_socket"] = .string(managementSocket) }
        if !authenticationKeys.isEmpty {
            root["authentication"] = .object(["keys": .array(authenticationKeys.map { key in
                .object(["number": .int(key.number), "secret_file": .string(key.secretFile),
                         "send": .bool(key.send), "accept": .bool(key.accept)])
            })])
        }
        if let pods {
            var uids: [String: JSONValue] = [:]
            for (uid, pod) in pods.uids { uids[String(uid)] = .string(pod.rawValue) }
            var podsJSON: [String: JSONValue] = ["uids": .object(uids)]
            if let socket = pods.socket { podsJSON["socket"] = .string(socket) }
            if let listen = pods.listen { podsJSON["listen"] = .string(listen.description) }
            if !pods.tokenFiles.isEmpty {
                podsJSON["tokens"] = .array(pods.tokenFiles.sorted { $0.key < $1.key }.map {
                    .object(["pod": .string($0.key.rawValue), "token_file": .string($0.value)])
                })
            }
            root["pods"] = .object(podsJSON)
        }
        if let spa {
            root["spa"] = .object(["address": .string(spa.address.description), "node_id": .string(spa.nodeID.rawValue),
                                   "tls": spa.tls.json])
        }
        if let scsc { root["scsc"] = scsc.json }
        if let scheduler { root["scheduler"] = scheduler.json }
        if forwarding != ForwardingSettings() { root["forwarding"] = forwarding.json }
        if !grantKeys.isEmpty {
            root["grant_keys"] = .array(grantKeys.map { key in
                .object(["key_id": .string(key.keyID.rawValue), "public_key_file": .string(key.publicKeyFile)])
            })
        }
        if !services.isEmpty {
            root["services"] = .array(services.map { service in
                var object: [String: JSONValue] = ["prefix": .string(service.prefix.description), "pod": .string(service.pod.rawValue),
                                                   "metric": .int(service.metric), "weight": .int(service.weight)]
                if !service.endpoints.isEmpty { object["endpoints"] = .array(service.endpoints.map { .string($0.description) }) }
                return .object(object)
            })
        }
        return .object(root)
    }

    /// The config file text.
    public func jsonText() -> String { json.text(pretty: true) + "\n" }
}
