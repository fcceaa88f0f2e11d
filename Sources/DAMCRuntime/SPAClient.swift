import DAMCSecurity
import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A gateway's side of class 3 (draft-li-icnrg-damc §7.1 steps 1-2;
/// docs/spa.md): one TLS 1.3 session to the SPA, an AuthRequest for every
/// service, grants kept and renewed at two thirds of their life, denials
/// and revokes obeyed at once. While the SPA is unreachable, existing
/// grants stand until they expire and new requests wait; reconnection
/// backs off from 1 s to 30 s.
final class SPAClient {
    /// Where one service stands with the SPA.
    enum Status: Equatable {
        case pending
        case granted(Grant)
        case denied(String)
        case revoked(String)
    }

    struct Service {
        var service: Topology.Service
        var status: Status = .pending
        /// The request in flight, if any.
        var requestID: UInt64?
    }

    let config: SPAClientConfig
    let gateway: NodeID
    let loop: EventLoop
    let logger: Logger
    let tls: TLSContext
    var services: [Service]
    let link: ReconnectingSession
    var session: TLSSession? { link.session }
    var lifecycleTimer: EventLoop.Timer?
    var nextRequestID: UInt64 = 1
    var events: [String: Int] = [:]
    /// For `show counters`: requests, answers, and the session's attempts.
    var counters: [String: Int] { link.counters(adding: events) }
    /// Called whenever the set of granted services changes.
    var onGrantsChanged: (() -> Void)?
    /// Called after every answer (grant or denial), for waiting pods.
    var onAnswer: (() -> Void)?

    /// Where the service for `prefix` and `pod` stands, if it exists.
    func status(prefix: ServiceName, pod: PodID) -> Status? {
        services.first { $0.service.prefix == prefix && $0.service.pod == pod }?.status
    }

    init(config: SPAClientConfig, gateway: NodeID, services: [Topology.Service], loop: EventLoop,
         logger: Logger) throws(CryptoError) {
        self.config = config
        self.gateway = gateway
        self.loop = loop
        self.logger = logger
        tls = try TLSContext(role: .client, files: config.tls)
        self.services = services.map { Service(service: $0) }
        link = ReconnectingSession(address: config.address, expectedPeer: config.nodeID.rawValue, loop: loop, tls: tls)
        link.onEstablished = { [unowned self] _ in
            logger.info("SPA session up", metadata: ["spa": "\(config.nodeID)", "address": "\(config.address)"])
            requestAll()
        }
        link.onMessage = { [unowned self] message in receive(message) }
        link.onClose = { [unowned self] _ in
            for index in self.services.indices { self.services[index].requestID = nil }
        }
        link.onRetry = { [logger] reason, wait in
            logger.warning("SPA unreachable; existing grants stand until they expire",
                           metadata: ["reason": "\(reason)", "retry_in": "\(wait)"])
        }
    }

    func count(_ name: String) { events[name, default: 0] += 1 }

    /// The prefix entries to advertise: granted services with their grants
    /// (expired ones are dropped by the lifecycle timer).
    var grantedEntries: [PrefixEntry] {
        services.compactMap { entry in
            guard case let .granted(grant) = entry.status else { return nil }
            return PrefixEntry(prefix: entry.service.prefix, metric: entry.service.metric, grant: grant)
        }
    }

    var connected: Bool { link.established }

    // MARK: Connection

    func start() { link.start() }

    func stop() {
        link.stop()
        if let lifecycleTimer { loop.cancel(lifecycleTimer) }
    }

    // MARK: Requests

    /// Asks for every service that has no grant, or one due for renewal.
    func requestAll() {
        let now = WallClock.seconds()
        for index in services.indices where services[index].requestID == nil {
            switch services[index].status {
            case .pending, .denied, .revoked:
                request(index)
            case let .granted(grant):
                if now >= renewalTime(grant) { request(index) }
            }
        }
        scheduleLifecycle()
    }

    private func request(_ index: Int) {
        guard let session, session.established else { return }
        let id = nextRequestID
        nextRequestID += 1
        services[index].requestID = id
        var nonce = [UInt8](repeating: 0, count: 16)
        for offset in nonce.indices { nonce[offset] = UInt8.random(in: 0...255) }
        let service = services[index].service
        count("requests")
        session.send(.authRequest(AuthRequest(requestID: id, gateway: gateway, pod: service.pod, prefix: service.prefix,
                                              nonce: nonce)))
    }

    func renewalTime(_ grant: Grant) -> UInt64 {
        grant.notBefore + (grant.notAfter - grant.notBefore) * 2 / 3
    }

    private func receive(_ message: DAMCMessage) {
        switch message {
        case let .authGrant(answer):
            guard let index = services.firstIndex(where: { $0.requestID == answer.requestID }) else { count("answers_unknown"); return }
            services[index].requestID = nil
            let grant = answer.grant
            guard grant.prefix == services[index].service.prefix, grant.gateway == gateway,
                  grant.pod == services[index].service.pod else {
                count("grants_refused")
                logger.error("SPA answered with a grant for something else", metadata: ["grant": "\(grant)"])
                return
            }
            count("grants")
            services[index].status = .granted(grant)
            logger.info("granted", metadata: ["grant": "\(grant)"])
            onGrantsChanged?()
            scheduleLifecycle()
        case let .authDeny(deny):
            guard let index = services.firstIndex(where: { $0.requestID == deny.requestID }) else { count("answers_unknown"); return }
            services[index].requestID = nil
            count("denials")
            let reason = "\(deny.reason)" + (deny.reasonText.map { ": \($0)" } ?? "")
            let hadGrant: Bool
            if case .granted = services[index].status { hadGrant = true } else { hadGrant = false }
            services[index].status = .denied(reason)
            logger.warning("denied", metadata: ["prefix": "\(deny.prefix)", "reason": "\(reason)"])
            if hadGrant { onGrantsChanged?() }
            onAnswer?()
        case let .revoke(revoke):
            count("revokes")
            var changed = false
            for index in services.indices {
                if case let .granted(grant) = services[index].status, grant.serial == revoke.serial {
                    services[index].status = .revoked("\(revoke.reason)" + (revoke.reasonText.map { ": \($0)" } ?? ""))
                    changed = true
                }
            }
            logger.notice("grant revoked; prefix withdrawn", metadata: ["serial": "\(revoke.serial)", "prefix": "\(revoke.prefix)"])
            if changed { onGrantsChanged?() }
        default:
            count("messages_refused")
        }
    }

    // MARK: Renewal and expiry

    /// One timer for the next renewal or expiry among held grants.
    func scheduleLifecycle() {
        if let lifecycleTimer { loop.cancel(lifecycleTimer) }
        lifecycleTimer = nil
        var next: UInt64?
        for service in services {
            guard case let .granted(grant) = service.status else { continue }
            let at = service.requestID == nil ? min(renewalTime(grant), grant.notAfter + 1) : grant.notAfter + 1
            next = min(next ?? .max, at)
        }
        guard let next else { return }
        let delay = max(0, Int64(next) * 1_000_000_000 - Int64(WallClock.nanoseconds()))
        lifecycleTimer = loop.schedule(after: .nanoseconds(delay) + .milliseconds(10)) { [unowned self] in
            lifecycleTimer = nil
            expireAndRenew()
        }
    }

    private func expireAndRenew() {
        let now = WallClock.seconds()
        var changed = false
        for index in services.indices {
            if case let .granted(grant) = services[index].status, now > grant.notAfter {
                services[index].status = .pending
                changed = true
                logger.warning("grant expired; prefix withdrawn until renewed", metadata: ["grant": "\(grant)"])
            }
        }
        if changed { onGrantsChanged?() }
        requestAll()
    }

    /// Replaces the service list (SIGHUP): kept services keep their grants.
    func setServices(_ list: [Topology.Service]) {
        var fresh: [Service] = []
        for service in list {
            if let existing = services.first(where: { $0.service.prefix == service.prefix && $0.service.pod == service.pod }) {
                var kept = existing
                kept.service = service
                fresh.append(kept)
            } else {
                fresh.append(Service(service: service))
            }
        }
        services = fresh
        onGrantsChanged?()
        requestAll()
    }

    // MARK: Status

    var json: JSONValue {
        .array(services.map { entry in
            var row: [String: JSONValue] = [
                "prefix": .string(entry.service.prefix.description), "pod": .string(entry.service.pod.rawValue),
                "weight": .int(entry.service.weight), "metric": .int(entry.service.metric),
            ]
            switch entry.status {
            case .pending: row["status"] = .string("pending")
            case let .granted(grant):
                row["status"] = .string("granted")
                row["serial"] = .int(grant.serial)
                row["not_after"] = .int(grant.notAfter)
                row["key_id"] = .string(grant.keyID.rawValue)
            case let .denied(reason):
                row["status"] = .string("denied")
                row["reason"] = .string(reason)
            case let .revoked(reason):
                row["status"] = .string("revoked")
                row["reason"] = .string(reason)
            }
            return .object(row)
        })
    }
}
