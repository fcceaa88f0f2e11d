import COpenSSL
import DAMCSecurity
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// One TLS connection carrying DAMC messages (class 3 between SG and SPA),
/// driven by the event loop on a non-blocking TCP socket: the handshake,
/// then whole messages framed by their own TLV length (docs/wire.md §2).
///
/// `onMessage` gets each decoded message; `onClose` is called once, with
/// the reason, when the handshake fails, the peer closes, or a frame does
/// not decode (the session is dropped; other sessions are unaffected).
public final class TLSSession {
    public let fd: Int32
    private let ssl: OpaquePointer
    private let loop: EventLoop
    private var registration: EventLoop.Registration?
    private var frames: FrameBuffer
    private var output: [UInt8] = []
    public private(set) var established = false
    public private(set) var closed = false
    /// The peer certificate's common name, once the handshake is done.
    public private(set) var peerName: String?
    public var onEstablished: (() -> Void)?
    public var onMessage: ((DAMCMessage) -> Void)?
    public var onClose: ((String) -> Void)?

    /// Wraps a connected (or connecting) socket. A client names the peer
    /// it expects (`expectedPeer`, checked against the certificate).
    public init(fd: Int32, context: TLSContext, loop: EventLoop, expectedPeer: String? = nil) throws(CryptoError) {
        guard let ssl = SSL_new(context.context) else {
            Glibc.close(fd)
            throw CryptoError("TLS session")
        }
        self.fd = fd
        self.ssl = ssl
        self.loop = loop
        frames = FrameBuffer(maxFrame: 1 << 20)
        SSL_set_fd(ssl, fd)
        if context.role == .server { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
        if let expectedPeer { _ = SSL_set1_host(ssl, expectedPeer) }
        do {
            registration = try loop.register(fd, events: EventLoop.readable | EventLoop.writable) { [weak self] _ in
                self?.drive()
            }
        } catch {
            SSL_free(ssl)
            Glibc.close(fd)
            throw CryptoError("TLS session", reason: error.description)
        }
    }

    deinit {
        if !closed { shutdown(reason: nil) }
        SSL_free(ssl)
    }

    /// Queues one message and sends what the socket takes.
    public func send(_ message: DAMCMessage) { sendRaw(message.encode()) }

    /// Queues raw bytes (tests of malformed input send what no encoder makes).
    public func sendRaw(_ bytes: [UInt8]) {
        guard !closed else { return }
        output += bytes
        if established { flush() }
        updateInterest()
    }

    /// Closes the session (sending close_notify) without calling `onClose`.
    public func close() { shutdown(reason: nil) }

    private func drive() {
        guard !closed else { return }
        if !established {
            let result = SSL_do_handshake(ssl)
            if result != 1 {
                let error = SSL_get_error(ssl, result)
                if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { updateInterest(); return }
                shutdown(reason: "TLS handshake failed: \(CryptoError.describeQueue(or: "error \(error)"))")
                return
            }
            established = true
            peerName = commonName()
            onEstablished?()
            if closed { return }
        }
        readAll()
        if closed { return }
        flush()
        updateInterest()
    }

    private func readAll() {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while !closed {
            let count = buffer.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                frames.append(buffer[0..<Int(count)])
                deliverFrames()
                continue
            }
            let error = SSL_get_error(ssl, count)
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
            shutdown(reason: error == SSL_ERROR_ZERO_RETURN ? "closed by peer"
                     : "connection lost: \(CryptoError.describeQueue(or: "error \(error)"))")
            return
        }
    }

    private func deliverFrames() {
        if let error = frames.drain(while: { !closed }, { onMessage?($0) }) { shutdown(reason: error.reason) }
    }

    private func flush() {
        while !output.isEmpty && !closed {
            let count = output.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32($0.count)) }
            if count > 0 {
                output.removeFirst(Int(count))
                continue
            }
            let error = SSL_get_error(ssl, count)
            if error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE { return }
            shutdown(reason: "write failed: \(CryptoError.describeQueue(or: "error \(error)"))")
            return
        }
    }

    private func updateInterest() {
        guard let registration, !closed else { return }
        let wantsWrite = !established || !output.isEmpty
        loop.modify(registration, events: EventLoop.readable | (wantsWrite ? EventLoop.writable : 0))
    }

    private func commonName() -> String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, &buffer, Int32(buffer.count))
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func shutdown(reason: String?) {
        guard !closed else { return }
        closed = true
        if established { _ = SSL_shutdown(ssl) }
        if let registration { loop.unregister(registration) }
        registration = nil
        Glibc.close(fd)
        _ = CryptoError.drainQueue()
        if let reason { onClose?(reason) }
    }
}

extension CryptoError {
    /// OpenSSL's first queued error, or `fallback` when the queue is empty.
    static func describeQueue(or fallback: String) -> String {
        let text = drainQueue()
        return text.isEmpty ? fallback : text
    }
}
