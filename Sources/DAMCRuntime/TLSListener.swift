import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A TLS 1.3 listener on the event loop for nodes that authenticate with
/// client certificates: it accepts, keeps at most `maxSessions`, drops a
/// peer whose handshake stalls past `handshakeTimeout`, and admits a
/// session only if its certificate's common name is a valid node id. The
/// SPA (gateways, class 3) and the SCSC (gateways and routers, class 4)
/// serve their sessions through it. Counters: sessions_refused,
/// sessions_failed, handshakes_timed_out, sessions_established,
/// handshakes_failed.
final class TLSListener {
    let address: TransportAddress
    let tls: TLSContext
    let loop: EventLoop
    let logger: Logger
    /// What the peers are, for log lines ("gateway", "node").
    let peerKind: String
    private var listener: Int32 = -1
    private var registration: EventLoop.Registration?
    private(set) var sessions: [ObjectIdentifier: TLSSession] = [:]

    static let maxSessions = 1024
    static let handshakeTimeout: Duration = .seconds(10)

    /// A session is up; its peer's node id.
    var onEstablished: ((TLSSession, NodeID) -> Void)?
    var onMessage: ((DAMCMessage, TLSSession) -> Void)?
    /// A session closed (after it left `sessions`), with the reason.
    var onClose: ((TLSSession, String) -> Void)?
    /// Counts an event by name.
    var count: (String) -> Void = { _ in }

    init(address: TransportAddress, tls: TLSContext, loop: EventLoop, logger: Logger, peerKind: String) {
        self.address = address
        self.tls = tls
        self.loop = loop
        self.logger = logger
        self.peerKind = peerKind
    }

    func start() throws(SystemError) {
        listener = try TCPSocket.listen(address)
        registration = try loop.register(listener) { [unowned self] _ in acceptAll() }
    }

    func stop() {
        for session in sessions.values { session.close() }
        sessions.removeAll()
        if let registration { loop.unregister(registration) }
        registration = nil
        if listener >= 0 { close(listener) }
        listener = -1
    }

    private func acceptAll() {
        while let fd = TCPSocket.accept(listener) {
            guard sessions.count < Self.maxSessions else {
                count("sessions_refused")
                close(fd)
                continue
            }
            let session: TLSSession
            do { session = try TLSSession(fd: fd, context: tls, loop: loop) } catch {
                count("sessions_failed")
                continue
            }
            let id = ObjectIdentifier(session)
            sessions[id] = session
            loop.schedule(after: Self.handshakeTimeout) { [weak self, weak session] in
                guard let self, let session, !session.established, !session.closed else { return }
                count("handshakes_timed_out")
                session.close()
                sessions.removeValue(forKey: id)
            }
            session.onEstablished = { [unowned self, unowned session] in
                count("sessions_established")
                guard let name = session.peerName, let peer = try? NodeID(name) else {
                    logger.warning("\(peerKind) certificate without a valid node id as its common name")
                    count("sessions_refused")
                    session.close()
                    sessions.removeValue(forKey: id)
                    return
                }
                logger.info("\(peerKind) connected", metadata: [peerKind: "\(peer)"])
                onEstablished?(session, peer)
            }
            session.onMessage = { [unowned self, unowned session] message in onMessage?(message, session) }
            session.onClose = { [unowned self, unowned session] reason in
                if !session.established { count("handshakes_failed") }
                logger.info("session closed", metadata: ["peer": "\(session.peerName ?? "-")", "reason": "\(reason)"])
                sessions.removeValue(forKey: id)
                onClose?(session, reason)
            }
        }
    }
}
