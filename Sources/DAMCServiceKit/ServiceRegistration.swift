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
    /// How to reach the gateway: its pod socket (identity by uid), or its
    /// pod-facing TCP address with this pod's token.
    public enum Gateway: Sendable, Equatable {
        case unix(path: String)
        case tcp(host: String, port: UInt16, token: [UInt8])
    }

    public let gateway: Gateway
    public var socketPath: String { if case let .unix(path) = gateway { return path } else { return "" } }
    public let pod: PodID
    public let prefix: ServiceName
    public let endpoint: Endpoint
    public let weight: UInt16
    private var nextRequestID: UInt64 = 1
    private var keepAlive: Task<Void, Never>?

    public convenience init(socketPath: String, pod: PodID, prefix: ServiceName, endpoint: Endpoint, weight: UInt16 = 100) {
        self.init(gateway: .unix(path: socketPath), pod: pod, prefix: prefix, endpoint: endpoint, weight: weight)
    }

    public init(gateway: Gateway, pod: PodID, prefix: ServiceName, endpoint: Endpoint, weight: UInt16 = 100) {
        self.gateway = gateway
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
                                                           weight: weight, token: token)),
                            requestID: id, waitForFinal: waitForFinal, timeout: timeout)
    }

    /// Withdraws the prefix for this endpoint.
    public func withdraw(timeout: Int = 10) throws(RegistrationError) -> RegistrationAnswer {
        let id = nextID()
        return try exchange(.prefixWithdraw(PrefixWithdraw(requestID: id, pod: pod, prefix: prefix, endpoint: endpoint,
                                                           token: token)),
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

    private var token: [UInt8]? { if case let .tcp(_, _, token) = gateway { return token } else { return nil } }

    /// A connected stream socket to the gateway.
    private func connectToGateway() throws(RegistrationError) -> Int32 {
        switch gateway {
        case let .unix(path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw RegistrationError(reason: "socket: \(String(cString: strerror(errno)))") }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                close(fd)
                throw RegistrationError(reason: "\(path): path too long")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard connected == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw RegistrationError(reason: "cannot connect to \(path): \(reason) (is the gateway running?)")
            }
            return fd
        case let .tcp(host, port, _):
            var hints = addrinfo()
            hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
                throw RegistrationError(reason: "'\(host)' is not a numeric address")
            }
            defer { freeaddrinfo(result) }
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw RegistrationError(reason: "socket: \(String(cString: strerror(errno)))") }
            guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw RegistrationError(reason: "cannot connect to \(host):\(port): \(reason) (is the gateway running?)")
            }
            return fd
        }
    }

    private func nextID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    private func exchange(_ message: DAMCMessage, requestID: UInt64, waitForFinal: Bool,
                          timeout: Int) throws(RegistrationError) -> RegistrationAnswer {
        let fd = try connectToGateway()
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
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
