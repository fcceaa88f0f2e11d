import DAMCSecurity
import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A gateway's or router's side of class 4 (draft-li-icnrg-damc §6 items
/// 3-4; docs/scheduling.md): one TLS 1.3 session to the scheduling centre,
/// telemetry up at an interval (instances from the gateway's probes, link
/// load from the forwarding plane), QoS policies down, each acknowledged
/// as installed or rejected with the reason. While the SCSC is
/// unreachable, policies live out their lifetimes and the FIB takes over
/// (RFC 8735 §6); reconnection backs off from 1 s to 30 s.
final class SCSCClient {
    let config: SCSCClientConfig
    let node: NodeID
    let loop: EventLoop
    let logger: Logger
    let tls: TLSContext
    var session: TLSSession?
    var connecting: (fd: Int32, registration: EventLoop.Registration)?
    var backoff: Duration = .seconds(1)
    var retryTimer: EventLoop.Timer?
    var telemetryTimer: EventLoop.Timer?
    var stopped = false
    var counters: [String: Int] = [:]
    /// The telemetry to send now (the daemon reads its forwarding plane).
    var makeTelemetry: (() -> Telemetry)?
    /// Installs a policy; the acknowledgement to send back.
    var onInstall: ((PolicyInstall) -> PolicyAck)?
    /// Withdraws a policy.
    var onWithdraw: ((PolicyWithdraw) -> Void)?

    init(config: SCSCClientConfig, node: NodeID, loop: EventLoop, logger: Logger) throws(CryptoError) {
        self.config = config
        self.node = node
        self.loop = loop
        self.logger = logger
        tls = try TLSContext(role: .client, certificateFile: config.tls.certificateFile,
                             privateKeyFile: config.tls.privateKeyFile, caFile: config.tls.caFile)
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    var connected: Bool { session?.established == true }

    // MARK: Connection

    func start() { connect() }

    func stop() {
        stopped = true
        session?.close()
        session = nil
        if let connecting { loop.unregister(connecting.registration); close(connecting.fd) }
        connecting = nil
        if let retryTimer { loop.cancel(retryTimer) }
        if let telemetryTimer { loop.cancel(telemetryTimer) }
    }

    private func connect() {
        guard !stopped, session == nil, connecting == nil else { return }
        count("connects")
        let fd: Int32
        do { fd = try TCPSocket.connect(config.address) } catch {
            retry("connect: \(error)")
            return
        }
        do {
            let registration = try loop.register(fd, events: EventLoop.writable) { [unowned self] _ in connected(fd) }
            connecting = (fd, registration)
        } catch {
            close(fd)
            retry("\(error)")
        }
    }

    private func connected(_ fd: Int32) {
        guard let pending = connecting, pending.fd == fd else { return }
        loop.unregister(pending.registration)
        connecting = nil
        let code = TCPSocket.connectionError(fd)
        guard code == 0 else {
            close(fd)
            retry("connect to \(config.address): \(SystemError("connect", code: code).description.dropFirst(9))")
            return
        }
        do {
            let session = try TLSSession(fd: fd, context: tls, loop: loop, expectedPeer: config.nodeID.rawValue)
            self.session = session
            session.onEstablished = { [unowned self] in
                logger.info("SCSC session up", metadata: ["scsc": "\(config.nodeID)", "address": "\(config.address)"])
                backoff = .seconds(1)
                sendTelemetry()
            }
            session.onMessage = { [unowned self] message in receive(message) }
            session.onClose = { [unowned self] reason in
                self.session = nil
                if let telemetryTimer { loop.cancel(telemetryTimer) }
                telemetryTimer = nil
                retry(reason)
            }
        } catch {
            retry("\(error)")
        }
    }

    private func retry(_ reason: String) {
        guard !stopped else { return }
        count("connect_failures")
        logger.warning("SCSC unreachable; policies live out their lifetimes, then the FIB rules",
                       metadata: ["reason": "\(reason)", "retry_in": "\(backoff)"])
        if let retryTimer { loop.cancel(retryTimer) }
        retryTimer = loop.schedule(after: backoff) { [unowned self] in
            retryTimer = nil
            connect()
        }
        backoff = min(backoff * 2, .seconds(30))
    }

    // MARK: Telemetry up

    private func sendTelemetry() {
        guard let session, session.established, let makeTelemetry else { return }
        count("telemetry_sent")
        session.send(.telemetry(makeTelemetry()))
        telemetryTimer = loop.schedule(after: .milliseconds(config.telemetryIntervalMs)) { [unowned self] in
            telemetryTimer = nil
            sendTelemetry()
        }
    }

    // MARK: Policies down

    private func receive(_ message: DAMCMessage) {
        switch message {
        case let .policyInstall(install):
            count("installs_received")
            let ack: PolicyAck
            if install.issuer != config.nodeID {
                count("installs_refused")
                ack = PolicyAck(policyID: install.policyID, version: install.version, node: node, status: .rejected,
                                reasonText: "issued by \(install.issuer), not by this node's SCSC \(config.nodeID)")
            } else if let onInstall {
                ack = onInstall(install)
            } else {
                ack = PolicyAck(policyID: install.policyID, version: install.version, node: node, status: .rejected,
                                reasonText: "\(node) does not take policies")
            }
            session?.send(.policyAck(ack))
        case let .policyWithdraw(withdraw):
            count("withdraws_received")
            guard withdraw.issuer == config.nodeID else {
                count("withdraws_refused")
                return
            }
            onWithdraw?(withdraw)
        default:
            count("messages_refused")
            logger.warning("unexpected message from the SCSC", metadata: ["type": "\(message.messageType)"])
        }
    }
}
