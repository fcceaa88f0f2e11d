import DAMCTopology
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A client's TLS 1.3 session to one server, kept up on the event loop:
/// a non-blocking connect, the server's certificate checked against the
/// node id it must carry, and after any failure or close a new attempt,
/// backing off from 1 s to 30 s. The gateway's SPA session (class 3) and
/// every node's SCSC session (class 4) ride on it; they say what to do
/// when it comes up, what arrives, and how to log a failure.
final class ReconnectingSession {
    let address: TransportAddress
    let expectedPeer: String
    let loop: EventLoop
    let tls: TLSContext
    private(set) var session: TLSSession?
    private var connecting: (fd: Int32, registration: EventLoop.Registration)?
    private var backoff: Duration = .seconds(1)
    private var retryTimer: EventLoop.Timer?
    private var stopped = false
    /// Connection attempts and failures, for the owner's counters.
    private(set) var connects = 0, failures = 0

    /// The session is up (handshake done).
    var onEstablished: ((TLSSession) -> Void)?
    var onMessage: ((DAMCMessage) -> Void)?
    /// The session closed (before the retry is armed).
    var onClose: ((String) -> Void)?
    /// An attempt failed or the session closed: the reason and the wait
    /// before the next attempt.
    var onRetry: ((String, Duration) -> Void)?

    init(address: TransportAddress, expectedPeer: String, loop: EventLoop, tls: TLSContext) {
        self.address = address
        self.expectedPeer = expectedPeer
        self.loop = loop
        self.tls = tls
    }

    var established: Bool { session?.established == true }

    /// The owner's `events` with this session's attempts added, for `show counters`.
    func counters(adding events: [String: Int]) -> [String: Int] {
        events.merging(["connects": connects, "connect_failures": failures]) { _, session in session }
    }

    func start() { connect() }

    func stop() {
        stopped = true
        session?.close()
        session = nil
        if let connecting { loop.unregister(connecting.registration); close(connecting.fd) }
        connecting = nil
        if let retryTimer { loop.cancel(retryTimer) }
    }

    private func connect() {
        guard !stopped, session == nil, connecting == nil else { return }
        connects += 1
        let fd: Int32
        do { fd = try TCPSocket.connect(address) } catch {
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
            retry("connect to \(address): \(SystemError("connect", code: code).description.dropFirst(9))")
            return
        }
        do {
            let session = try TLSSession(fd: fd, context: tls, loop: loop, expectedPeer: expectedPeer)
            self.session = session
            session.onEstablished = { [unowned self, unowned session] in
                backoff = .seconds(1)
                onEstablished?(session)
            }
            session.onMessage = { [unowned self] message in onMessage?(message) }
            session.onClose = { [unowned self] reason in
                self.session = nil
                onClose?(reason)
                retry(reason)
            }
        } catch {
            retry("\(error)")
        }
    }

    private func retry(_ reason: String) {
        guard !stopped else { return }
        failures += 1
        onRetry?(reason, backoff)
        if let retryTimer { loop.cancel(retryTimer) }
        retryTimer = loop.schedule(after: backoff) { [unowned self] in
            retryTimer = nil
            connect()
        }
        backoff = min(backoff * 2, .seconds(30))
    }
}
