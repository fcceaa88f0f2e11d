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
    let link: ReconnectingSession
    var session: TLSSession? { link.session }
    var telemetryTimer: EventLoop.Timer?
    var events: [String: Int] = [:]
    /// Telemetry sent, policies received and refused, and the session's attempts.
    var counters: [String: Int] { link.counters(adding: events) }
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
        tls = try TLSContext(role: .client, files: config.tls)
        link = ReconnectingSession(address: config.address, expectedPeer: config.nodeID.rawValue, loop: loop, tls: tls)
        link.onEstablished = { [unowned self] _ in
            logger.info("SCSC session up", metadata: ["scsc": "\(config.nodeID)", "address": "\(config.address)"])
            sendTelemetry()
        }
        link.onMessage = { [unowned self] message in receive(message) }
        link.onClose = { [unowned self] _ in
            if let telemetryTimer { loop.cancel(telemetryTimer) }
            telemetryTimer = nil
        }
        link.onRetry = { [logger] reason, wait in
            logger.warning("SCSC unreachable; policies live out their lifetimes, then the FIB rules",
                           metadata: ["reason": "\(reason)", "retry_in": "\(wait)"])
        }
    }

    func count(_ name: String) { events[name, default: 0] += 1 }

    var connected: Bool { link.established }

    func start() { link.start() }

    func stop() {
        link.stop()
        if let telemetryTimer { loop.cancel(telemetryTimer) }
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
