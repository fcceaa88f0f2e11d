import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// What a gateway answered to an announcement or a withdrawal.
public struct RegistrationAnswer: Sendable, Equatable, CustomStringConvertible {
    public var status: AnswerStatus
    public var reason: ReasonCode?
    public var reasonText: String?
    /// When granted with an SPA: the end of the grant's validity (Unix s).
    public var grantExpiry: UInt64?

    public var description: String {
        var text = "\(status)"
        if let reason { text += " (\(reason))" }
        if let reasonText { text += ": \(reasonText)" }
        if let grantExpiry { text += " until \(grantExpiry)" }
        return text
    }
}

/// Why talking to the gateway failed.
public struct RegistrationError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Class 1 for a service (draft-li-icnrg-damc §5; issue 6): a Swift
/// service links this library to announce its prefix and endpoint to its
/// gateway over the gateway's pod socket, to keep the registration alive
/// (re-announcing, so a restarted gateway learns it again) and to withdraw
/// it on the way out. The gateway knows which pod it is from the socket's
/// peer credentials; `pod` must match what the gateway maps our uid to.
///
/// Blocking and dependency-free on purpose: it runs inside services of any
/// shape, on a thread of their own.
public final class ServiceRegistration: @unchecked Sendable {
    public let socketPath: String
    public let pod: PodID
    public let prefix: ServiceName
    public let endpoint: Endpoint
    public let weight: UInt16
    private var nextRequestID: UInt64 = 1
    private var keepAlive: Task<Void, Never>?

    public init(socketPath: String, pod: PodID, prefix: ServiceName, endpoint: Endpoint, weight: UInt16 = 100) {
        self.socketPath = socketPath
        self.pod = pod
        self.prefix = prefix
        self.endpoint = endpoint
        self.weight = weight
    }

    /// Announces the prefix. With `waitForFinal`, a `pending` answer (the
    /// gateway is asking its SPA) is followed by the final one, waited for
    /// up to `timeout` seconds.
    public func announce(waitForFinal: Bool = true, timeout: Int = 10) throws(RegistrationError) -> RegistrationAnswer {
        let id = nextID()
        return try exchange(.prefixAnnounce(PrefixAnnounce(requestID: id, pod: pod, prefix: prefix, endpoint: endpoint,
                                                           weight: weight)),
                            requestID: id, waitForFinal: waitForFinal, timeout: timeout)
    }

    /// Withdraws the prefix for this endpoint.
    public func withdraw(timeout: Int = 10) throws(RegistrationError) -> RegistrationAnswer {
        let id = nextID()
        return try exchange(.prefixWithdraw(PrefixWithdraw(requestID: id, pod: pod, prefix: prefix, endpoint: endpoint)),
                            requestID: id, waitForFinal: false, timeout: timeout)
    }

    /// Re-announces every `interval` seconds in a background task until
    /// `stop()`; failures are retried at the next interval.
    public func keepAlive(every interval: Int = 10) {
        guard keepAlive == nil else { return }
        keepAlive = Task.detached { [self] in
            while !Task.isCancelled {
                _ = try? announce(waitForFinal: false)
                try? await Task.sleep(for: .seconds(interval))
            }
        }
    }

    /// Stops the keep-alive and withdraws.
    public func stop() {
        keepAlive?.cancel()
        keepAlive = nil
        _ = try? withdraw()
    }

    private func nextID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    private func exchange(_ message: DAMCMessage, requestID: UInt64, waitForFinal: Bool,
                          timeout: Int) throws(RegistrationError) -> RegistrationAnswer {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RegistrationError(reason: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RegistrationError(reason: "\(socketPath): path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            throw RegistrationError(reason: "cannot connect to \(socketPath): \(String(cString: strerror(errno))) (is the gateway running?)")
        }
        let bytes = message.encode()
        guard send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else {
            throw RegistrationError(reason: "send: \(String(cString: strerror(errno)))")
        }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            while let length = try? DAMCMessage.frameLength(of: buffer), buffer.count >= length {
                let frame = Array(buffer[0..<length])
                buffer.removeFirst(length)
                guard case let .prefixAnswer(answer)? = try? DAMCMessage.decode(frame), answer.requestID == requestID else {
                    continue
                }
                let result = RegistrationAnswer(status: answer.status, reason: answer.reason, reasonText: answer.reasonText,
                                                grantExpiry: answer.grantExpiry)
                if answer.status != .pending || !waitForFinal { return result }
            }
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                if count == 0 { throw RegistrationError(reason: "the gateway closed the connection") }
                if errno == EAGAIN { throw RegistrationError(reason: "no answer within \(timeout) s") }
                throw RegistrationError(reason: "read: \(String(cString: strerror(errno)))")
            }
            buffer += chunk[0..<count]
        }
    }
}
