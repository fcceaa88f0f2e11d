import DAMCSecurity
import DAMCTopology
import DAMCWire
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The Service Prefix Authentication server (`damc-spa`; draft-li-icnrg-damc
/// §6.2, §7.1 steps 1-2; docs/spa.md): gateways connect over TLS 1.3 with
/// client certificates; each AuthRequest is checked against the policy and
/// answered with a signed grant or a typed denial; grants can be revoked
/// over the gateway's session. One epoll loop, like the routing daemons.
public final class SPADaemon {
    /// A grant this SPA issued and has not revoked.
    struct Issued {
        var grant: Grant
        var issuedAt: UInt64
    }

    public let configPath: String
    public private(set) var config: SPAConfig
    let loop: EventLoop
    let logger: Logger
    let tls: TLSContext
    let signer: GrantSigner
    var policy: SPAPolicy
    var listener: TLSListener?
    var sessions: [ObjectIdentifier: TLSSession] { listener?.sessions ?? [:] }
    /// The newest established session of each gateway (revokes go there).
    var gatewaySessions: [NodeID: TLSSession] = [:]
    var issued: [UInt64: Issued] = [:]
    /// The serial of the current grant per gateway, pod and prefix: a
    /// renewal replaces it without scanning every grant.
    struct Subject: Hashable { var gateway: NodeID; var pod: PodID; var prefix: ServiceName }
    var current: [Subject: UInt64] = [:]
    var nextSerial: UInt64
    var management: ManagementServer?
    let startedAt = MonotonicClock.now()
    var counters: [String: Int] = [:]

    public init(configPath: String, config: SPAConfig, policy: SPAPolicy, signingKey: Ed25519PrivateKey,
                logger: Logger) throws(SystemError) {
        self.configPath = configPath
        self.config = config
        self.policy = policy
        self.logger = logger
        loop = try EventLoop()
        do {
            tls = try TLSContext(role: .server, files: config.tls)
        } catch {
            throw SystemError("TLS", error.description, code: EINVAL)
        }
        signer = GrantSigner(keyID: config.signingKeyID, key: signingKey)
        // Serials never repeat across restarts: seconds since the epoch,
        // shifted, plus a counter.
        nextSerial = WallClock.seconds() << 20
    }

    /// Loads everything `--check-config` checks: the config, the policy, the
    /// signing key and the TLS files.
    public static func loadAll(configPath: String) throws(ConfigError) -> (SPAConfig, SPAPolicy, Ed25519PrivateKey) {
        let config = try SPAConfig.load(path: configPath)
        let policy = try SPAPolicy.load(path: config.policyFile)
        guard let keyData = FileManager.default.contents(atPath: config.signingKeyFile).map({ String(decoding: $0, as: UTF8.self) }) else {
            throw ConfigError(file: configPath, keyPath: "signing_key.private_key_file", reason: "\(config.signingKeyFile) cannot be read")
        }
        let key: Ed25519PrivateKey
        do { key = try Ed25519PrivateKey(pem: keyData) } catch {
            throw ConfigError(file: configPath, keyPath: "signing_key.private_key_file", reason: "\(config.signingKeyFile): \(error)")
        }
        do {
            _ = try TLSContext(role: .server, files: config.tls)
        } catch {
            throw ConfigError(file: configPath, keyPath: "tls", reason: error.description)
        }
        return (config, policy, key)
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    // MARK: Running

    public func run() throws(SystemError) {
        try loop.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] signal in
            if signal == SIGHUP { reload() } else {
                logger.notice("shutting down")
                SystemdNotifier.notify("STOPPING=1")
                loop.stop()
            }
        }
        let listener = TLSListener(address: config.listen, tls: tls, loop: loop, logger: logger, peerKind: "gateway")
        listener.count = { [unowned self] name in count(name) }
        listener.onEstablished = { [unowned self] session, gateway in gatewaySessions[gateway] = session }
        listener.onMessage = { [unowned self] message, session in receive(message, from: session) }
        listener.onClose = { [unowned self] session, _ in
            if let name = session.peerName, let gateway = try? NodeID(name), gatewaySessions[gateway] === session {
                gatewaySessions.removeValue(forKey: gateway)
            }
        }
        try listener.start()
        self.listener = listener
        management = try ManagementServer(path: config.managementSocketPath, loop: loop) { [unowned self] args in command(args) }
        logger.info("started", metadata: ["node": "\(config.nodeID)", "listen": "\(config.listen)",
                                          "rules": "\(policy.rules.count)", "key": "\(config.signingKeyID)"])
        SystemdNotifier.notify("READY=1\nSTATUS=listening on \(config.listen), \(policy.rules.count) rules")
        if let interval = SystemdNotifier.watchdogInterval { watchdog(every: interval / 2) }
        try loop.run()
        listener.stop()
        management?.close()
    }

    private func watchdog(every interval: Duration) {
        SystemdNotifier.notify("WATCHDOG=1")
        loop.schedule(after: interval) { [unowned self] in watchdog(every: interval) }
    }

    // MARK: Requests

    private func receive(_ message: DAMCMessage, from session: TLSSession) {
        guard case let .authRequest(request) = message else {
            count("messages_refused")
            logger.warning("unexpected message from a gateway", metadata: ["peer": "\(session.peerName ?? "-")"])
            return
        }
        count("requests")
        session.send(answer(request, peer: session.peerName))
    }

    /// The answer to one request: the certificate must name the requesting
    /// gateway, and the policy must allow the pod there to serve the prefix.
    func answer(_ request: AuthRequest, peer: String?) -> DAMCMessage {
        func deny(_ reason: ReasonCode, _ text: String) -> DAMCMessage {
            count("denied")
            logger.notice("denied", metadata: ["gateway": "\(request.gateway)", "pod": "\(request.pod)",
                                               "prefix": "\(request.prefix)", "reason": "\(text)"])
            return .authDeny(AuthDeny(requestID: request.requestID, nonce: request.nonce, prefix: request.prefix,
                                      reason: reason, reasonText: text))
        }
        guard peer == request.gateway.rawValue else {
            return deny(.unknownGateway, "the TLS certificate names '\(peer ?? "nobody")', not '\(request.gateway)'")
        }
        let decision = policy.decide(prefix: request.prefix, gateway: request.gateway, pod: request.pod)
        guard decision.action == .allow else {
            let why = decision.ruleIndex.map { "rules[\($0)] denies it" } ?? "no rule allows it"
            return deny(.notAuthorized, "\(request.pod) on \(request.gateway) may not serve \(request.prefix): \(why)")
        }
        let now = WallClock.seconds()
        let serial = nextSerial
        nextSerial += 1
        let grant: Grant
        do {
            grant = try signer.sign(prefix: request.prefix, gateway: request.gateway, pod: request.pod,
                                    notBefore: now - 5, notAfter: now + UInt64(config.grantLifetimeS), serial: serial)
        } catch {
            return deny(.internalError, "signing failed: \(error)")
        }
        // A renewal supersedes the gateway's older grant for the same pod
        // and prefix: `show grants` and `revoke` deal with the current one.
        let subject = Subject(gateway: grant.gateway, pod: grant.pod, prefix: grant.prefix)
        if let previous = current.updateValue(serial, forKey: subject) { issued.removeValue(forKey: previous) }
        issued[serial] = Issued(grant: grant, issuedAt: now)
        count("granted")
        logger.info("granted", metadata: ["grant": "\(grant)"])
        return .authGrant(AuthGrant(requestID: request.requestID, nonce: request.nonce, grant: grant))
    }

    /// Revokes a grant: the gateway hears it over its session and withdraws
    /// the prefix at once; routers drop it with the withdrawal.
    func revoke(_ serial: UInt64) -> Result<JSONValue, ManagementError> {
        guard let entry = issued.removeValue(forKey: serial) else {
            return .failure(.badArgument("revoke: no issued grant with serial \(serial)"))
        }
        let grant = entry.grant
        current.removeValue(forKey: Subject(gateway: grant.gateway, pod: grant.pod, prefix: grant.prefix))
        let delivered = gatewaySessions[grant.gateway].map { session -> Bool in
            session.send(.revoke(Revoke(serial: serial, prefix: grant.prefix, gateway: grant.gateway, reason: .revoked,
                                        reasonText: "revoked by the operator")))
            return true
        } ?? false
        count("revoked")
        logger.notice("revoked", metadata: ["grant": "\(grant)", "delivered": "\(delivered)"])
        return .success(.object(["node": .string(config.nodeID.rawValue), "serial": .int(serial),
                                 "gateway": .string(grant.gateway.rawValue), "prefix": .string(grant.prefix.description),
                                 "delivered": .bool(delivered)]))
    }

    // MARK: Reload and management

    func reload() {
        do {
            let policy = try SPAPolicy.load(path: config.policyFile)
            self.policy = policy
            count("reloads")
            logger.notice("policy reloaded", metadata: ["rules": "\(policy.rules.count)"])
        } catch {
            count("reloads_refused")
            logger.error("reload refused, keeping the running policy", metadata: ["error": "\(error)"])
        }
    }

    func command(_ args: [String]) -> Result<JSONValue, ManagementError> {
        let node: JSONValue = .string(config.nodeID.rawValue)
        switch (args.first, args.count > 1 ? args[1] : nil) {
        case ("show", "grants"?) where args.count == 2:
            // Grants expired over an hour ago are no longer listed.
            let now = WallClock.seconds()
            let rows = issued.values.filter { $0.grant.notAfter + 3600 > now }
                .sorted { $0.grant.serial < $1.grant.serial }.map(\.grant.managementJSON)
            return .success(.object(["node": node, "grants": .array(rows)]))
        case ("show", "sessions"?) where args.count == 2:
            let rows = gatewaySessions.keys.sorted().map { JSONValue.string($0.rawValue) }
            return .success(.object(["node": node, "gateways": .array(rows), "connections": .int(sessions.count)]))
        case ("show", "counters"?) where args.count == 2:
            return .success(.object(["node": node, "counters": .object(counters.mapValues { .int($0) })]))
        case ("show", "version"?) where args.count == 2:
            return .success(.object(["node": node, "program": .string("damc-spa"), "version": .string(DAMCVersion.string),
                                     "uptime_s": .int((MonotonicClock.now() - startedAt) / 1_000_000_000),
                                     "config": .string(configPath), "rules": .int(policy.rules.count)]))
        case ("revoke", let serial?) where args.count == 2:
            guard let number = UInt64(serial) else { return .failure(.badArgument("revoke: '\(serial)' is not a serial")) }
            return revoke(number)
        default:
            return .failure(.unknownCommand(args.joined(separator: " "),
                                            usage: "show grants | show sessions | show counters | show version | revoke SERIAL"))
        }
    }
}
