import CLinuxEvents
import DAMCRouting
import DAMCTopology
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// One instance a pod registered over class 1 (draft-li-icnrg-damc §5).
struct PodRegistration: Equatable {
    var pod: PodID
    var prefix: ServiceName
    var endpoint: Endpoint
    var weight: UInt16
    var uid: UInt32
}

/// Class 1 on a gateway (issue 6; docs/spa.md §pods): local pods announce
/// and withdraw prefixes over a Unix socket; the peer's uid (SO_PEERCRED)
/// must map to the pod id they claim. A registration lasts until withdrawn
/// (the service library re-announces periodically, so a restarted gateway
/// learns it again). With an SPA, the answer is pending until the grant or
/// the denial comes, and a final answer follows on the same connection.
extension RoutingDaemon {
    func openPodSocket() throws(SystemError) {
        guard let pods = config.pods else { return }
        if let socket = pods.socket {
            podListener = try UnixListener.open(path: socket, mode: 0o666)
            podListenerRegistration = try loop.register(podListener) { [unowned self] _ in acceptPods(podListener, tcp: false) }
        }
        if let listen = pods.listen {
            podTCPListener = try TCPSocket.listen(listen)
            podTCPRegistration = try loop.register(podTCPListener) { [unowned self] _ in acceptPods(podTCPListener, tcp: true) }
        }
    }

    func closePodSocket() {
        for stream in podStreams.values { stream.close() }
        podStreams.removeAll()
        if let podListenerRegistration { loop.unregister(podListenerRegistration) }
        if podListener >= 0 {
            close(podListener)
            if let socket = config.pods?.socket { unlink(socket) }
        }
        podListener = -1
        if let podTCPRegistration { loop.unregister(podTCPRegistration) }
        if podTCPListener >= 0 { close(podTCPListener) }
        podTCPListener = -1
    }

    /// A pod's identity: the uid of a Unix peer, or a token over TCP.
    enum PodPeer { case uid(UInt32), tcp }

    /// At most this many pod connections at once (each announce is one
    /// short exchange; a waiting pod holds one until its final answer).
    static let maxPodConnections = 256

    private func acceptPods(_ listener: Int32, tcp: Bool) {
        while let fd = TCPSocket.accept(listener) {
            guard podStreams.count < Self.maxPodConnections else {
                podCounters["refused_connections", default: 0] += 1
                close(fd)
                continue
            }
            var uid: UInt32 = 0
            guard tcp || damc_peer_uid(fd, &uid) == 0, let stream = try? FramedStream(fd: fd, loop: loop) else {
                close(fd)
                continue
            }
            let peer: PodPeer = tcp ? .tcp : .uid(uid)
            let id = ObjectIdentifier(stream)
            podStreams[id] = stream
            stream.onMessage = { [unowned self, unowned stream] message in podMessage(message, from: stream, peer: peer) }
            stream.onClose = { [unowned self] reason in
                podCounters["closed", default: 0] += 1
                if reason.hasPrefix("malformed") {
                    podCounters["malformed", default: 0] += 1
                    logger.warning("pod connection dropped", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
                }
                podStreams.removeValue(forKey: id)
                podWaiters.removeAll { ObjectIdentifier($0.stream) == id }
            }
        }
    }

    /// Whether `peer` may speak for `pod`: its uid maps to it, or it shows
    /// the pod's token (compared in constant time). Nil means yes, else why not.
    func podRefusal(_ peer: PodPeer, claims pod: PodID, token: [UInt8]?) -> String? {
        switch peer {
        case let .uid(uid):
            guard let mapped = config.pods?.uids[uid] else { return "uid \(uid) is not a registered pod" }
            return mapped == pod ? nil : "uid \(uid) is pod '\(mapped)', not '\(pod)'"
        case .tcp:
            guard let expected = security.podTokens[pod] else { return "no token is configured for pod '\(pod)'" }
            guard let token, token.count == expected.count else { return "wrong or missing token for pod '\(pod)'" }
            var difference: UInt8 = 0
            for (a, b) in zip(token, expected) { difference |= a ^ b }
            return difference == 0 ? nil : "wrong or missing token for pod '\(pod)'"
        }
    }

    private func podMessage(_ message: DAMCMessage, from stream: FramedStream, peer: PodPeer) {
        var uid: UInt32 = 0
        if case let .uid(value) = peer { uid = value }
        func answer(_ requestID: UInt64, _ prefix: ServiceName, _ status: AnswerStatus, _ reason: ReasonCode? = nil,
                    _ text: String? = nil, expiry: UInt64? = nil) {
            stream.send(.prefixAnswer(PrefixAnswer(requestID: requestID, prefix: prefix, status: status, reason: reason,
                                                   reasonText: text, grantExpiry: expiry)))
        }
        /// Denies and counts a message from a peer that may not speak for `pod`.
        func refused(_ pod: PodID, _ token: [UInt8]?, _ requestID: UInt64, _ prefix: ServiceName) -> Bool {
            guard let refusal = podRefusal(peer, claims: pod, token: token) else { return false }
            podCounters["refused", default: 0] += 1
            answer(requestID, prefix, .denied, .unknownPod, refusal)
            return true
        }
        switch message {
        case let .prefixAnnounce(announce):
            podCounters["announces", default: 0] += 1
            if refused(announce.pod, announce.token, announce.requestID, announce.prefix) { return }
            let pod = announce.pod
            let registration = PodRegistration(pod: pod, prefix: announce.prefix, endpoint: announce.endpoint,
                                               weight: announce.weight, uid: uid)
            registrations.removeAll { $0.pod == pod && $0.prefix == announce.prefix && $0.endpoint == announce.endpoint }
            registrations.append(registration)
            logger.info("pod announced", metadata: ["pod": "\(pod)", "prefix": "\(announce.prefix)", "endpoint": "\(announce.endpoint)"])
            applyServices()
            guard let spaClient else {
                answer(announce.requestID, announce.prefix, .granted)
                return
            }
            if let final = finalAnswer(prefix: announce.prefix, pod: pod) {
                answer(announce.requestID, announce.prefix, final.status, final.reason, final.text, expiry: final.expiry)
            } else {
                answer(announce.requestID, announce.prefix, .pending, nil,
                       spaClient.connected ? "asking the SPA" : "the SPA is unreachable; retrying")
                podWaiters.append((stream, announce.requestID, announce.prefix, pod))
            }
        case let .prefixWithdraw(withdraw):
            podCounters["withdraws", default: 0] += 1
            if refused(withdraw.pod, withdraw.token, withdraw.requestID, withdraw.prefix) { return }
            let pod = withdraw.pod
            let before = registrations.count
            registrations.removeAll { $0.pod == pod && $0.prefix == withdraw.prefix && $0.endpoint == withdraw.endpoint }
            if registrations.count != before { applyServices() }
            logger.info("pod withdrew", metadata: ["pod": "\(pod)", "prefix": "\(withdraw.prefix)"])
            answer(withdraw.requestID, withdraw.prefix, .granted, nil, registrations.count != before ? "withdrawn" : "was not registered")
        default:
            podCounters["refused", default: 0] += 1
            stream.close()
        }
    }

    /// The answer a pod gets from where its service stands with the SPA;
    /// nil while the SPA has not decided.
    func finalAnswer(prefix: ServiceName, pod: PodID)
        -> (status: AnswerStatus, reason: ReasonCode?, text: String?, expiry: UInt64?)? {
        switch spaClient?.status(prefix: prefix, pod: pod) {
        case let .granted(grant)?: return (.granted, nil, nil, grant.notAfter)
        case let .denied(reason)?: return (.denied, .notAuthorized, reason, nil)
        case let .revoked(reason)?: return (.denied, .revoked, reason, nil)
        default: return nil
        }
    }

    /// Final answers for pods waiting on the SPA. The list is taken out
    /// first: sending to a pod that has gone away closes its stream, whose
    /// close handler edits the list.
    func answerPodWaiters() {
        let waiting = podWaiters
        podWaiters = []
        var still: [(stream: FramedStream, requestID: UInt64, prefix: ServiceName, pod: PodID)] = []
        for waiter in waiting where !waiter.stream.closed {
            guard let final = finalAnswer(prefix: waiter.prefix, pod: waiter.pod) else {
                still.append(waiter)
                continue
            }
            waiter.stream.send(.prefixAnswer(PrefixAnswer(requestID: waiter.requestID, prefix: waiter.prefix, status: final.status,
                                                          reason: final.reason, reasonText: final.text, grantExpiry: final.expiry)))
        }
        podWaiters = still.filter { !$0.stream.closed } + podWaiters
    }

    /// The configured services and the pods' registrations (one service per
    /// prefix and pod; the largest weight of its instances).
    var allServices: [Topology.Service] {
        var services = config.services
        for registration in registrations {
            if let index = services.firstIndex(where: { $0.prefix == registration.prefix && $0.pod == registration.pod }) {
                services[index].weight = max(services[index].weight, registration.weight)
            } else {
                services.append(Topology.Service(prefix: registration.prefix, pod: registration.pod, weight: registration.weight))
            }
        }
        return services
    }

    /// Hands the current services to the SPA client (which advertises them
    /// once granted) or straight to the engine.
    func applyServices() {
        syncInstances()
        if let spaClient {
            spaClient.setServices(allServices)
        } else {
            deliver(.setPrefixes(allServices.map { PrefixEntry(prefix: $0.prefix, metric: $0.metric) }))
        }
    }
}
