import CLinuxEvents
import DAMCTopology
#if canImport(FoundationEssentials)
import FoundationEssentials   // JSONDecoder, Data, FileManager without ICU: smaller daemons
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The management socket of a daemon (DESIGN.md §3): a Unix stream socket,
/// mode 0660, default `/run/damc/<node-id>.sock`. docs/management.md
/// describes the protocol: the client sends one line of JSON,
/// `{"args": ["show", "fib"]}`; the daemon answers one line of JSON,
/// `{"ok": true, "data": ...}` or `{"ok": false, "error": "..."}`, and
/// closes. Malformed, oversized, unknown or slow requests get an error
/// reply or a closed connection; they never stop the daemon.
public final class ManagementServer {
    /// Answers one parsed request.
    public typealias Handler = (_ args: [String]) -> Result<JSONValue, ManagementError>

    public let path: String
    private let loop: EventLoop
    private let listener: Int32
    private var listenerRegistration: EventLoop.Registration?
    private var connections: [Int32: Connection] = [:]
    private let handler: Handler
    /// Answers a request later (a command that must not block the loop,
    /// such as `trace`): returns true if it took the request, and then
    /// calls `respond` once, on the loop thread.
    public typealias DeferredHandler = (_ args: [String], _ respond: @escaping (Result<JSONValue, ManagementError>) -> Void) -> Bool
    public var deferredHandler: DeferredHandler?
    /// Requests answered, and those answered with an error.
    public private(set) var requests = 0
    public private(set) var errors = 0

    static let maxRequestBytes = 64 * 1024
    static let maxConnections = 32
    static let idleTimeout: Duration = .seconds(10)

    private final class Connection {
        let fd: Int32
        var registration: EventLoop.Registration?
        var input: [UInt8] = []
        var output: [UInt8] = []
        var answered = false
        /// A deferred handler has the request; nothing to read or write yet.
        var pending = false
        var timer: EventLoop.Timer?
        init(fd: Int32) { self.fd = fd }
    }

    /// Creates the directory if needed, replaces a stale socket, binds,
    /// sets mode 0660 and listens.
    public init(path: String, loop: EventLoop, handler: @escaping Handler) throws(SystemError) {
        self.path = path
        self.loop = loop
        self.handler = handler
        let fd = try UnixListener.open(path: path, mode: 0o660)
        listener = fd
        listenerRegistration = try loop.register(fd) { [weak self] _ in self?.acceptAll() }
    }

    /// Closes every connection and the listener, and removes the socket file.
    public func close() {
        for fd in Array(connections.keys) { drop(fd) }
        if let listenerRegistration { loop.unregister(listenerRegistration) }
        listenerRegistration = nil
        Glibc.close(listener)
        unlink(path)
    }

    private func acceptAll() {
        while true {
            let fd = damc_accept_nonblocking(listener)
            if fd < 0 { return }
            guard connections.count < Self.maxConnections else {
                Glibc.close(fd)
                errors += 1
                continue
            }
            let connection = Connection(fd: fd)
            connections[fd] = connection
            connection.registration = try? loop.register(fd) { [weak self] events in self?.service(fd, events: events) }
            connection.timer = loop.schedule(after: Self.idleTimeout) { [weak self] in self?.drop(fd) }
        }
    }

    private func service(_ fd: Int32, events: UInt32) {
        guard let connection = connections[fd] else { return }
        if connection.pending {
            if events & EventLoop.failed != 0 { drop(fd) }
            return
        }
        if !connection.answered && events & EventLoop.readable != 0 {
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    connection.input += chunk[0..<count]
                    if let newline = connection.input.firstIndex(of: UInt8(ascii: "\n")) {
                        answer(connection, Array(connection.input[..<newline]))
                        break
                    }
                    if connection.input.count > Self.maxRequestBytes {
                        reply(connection, .failure(.badRequest("request over \(Self.maxRequestBytes) bytes")))
                        break
                    }
                } else if count == 0 {
                    // End of input: a request without its newline still counts.
                    if connection.input.isEmpty { drop(fd); return }
                    answer(connection, connection.input)
                    break
                } else {
                    if errno == EAGAIN || errno == EINTR { break }
                    drop(fd)
                    return
                }
            }
        } else if events & EventLoop.failed != 0 && !connection.answered {
            drop(fd)
            return
        }
        if connection.answered { flush(connection) }
    }

    private func answer(_ connection: Connection, _ line: [UInt8]) {
        let request: JSONValue
        do {
            request = try JSONValue.parse(Data(line), file: "request")
        } catch {
            reply(connection, .failure(.badRequest(error.reason)))
            return
        }
        guard let items = request["args"]?.arrayValue, !items.isEmpty else {
            reply(connection, .failure(.badRequest("expected {\"args\": [\"show\", ...]}")))
            return
        }
        var args: [String] = []
        for item in items {
            guard let text = item.stringValue else {
                reply(connection, .failure(.badRequest("args must be strings")))
                return
            }
            args.append(text)
        }
        if let deferredHandler {
            connection.pending = true
            if let registration = connection.registration { loop.modify(registration, events: 0) }
            let taken = deferredHandler(args) { [weak self, weak connection] result in
                guard let self, let connection, connections[connection.fd] === connection else { return }
                connection.pending = false
                reply(connection, result)
            }
            if taken { return }
            connection.pending = false
        }
        reply(connection, handler(args))
    }

    private func reply(_ connection: Connection, _ result: Result<JSONValue, ManagementError>) {
        requests += 1
        let body: JSONValue
        switch result {
        case let .success(data):
            body = .object(["ok": .bool(true), "data": data])
        case let .failure(error):
            errors += 1
            body = .object(["ok": .bool(false), "error": .string(error.description)])
        }
        connection.output = Array((body.text() + "\n").utf8)
        connection.answered = true
        if let registration = connection.registration {
            loop.modify(registration, events: EventLoop.writable)
        }
    }

    private func flush(_ connection: Connection) {
        while !connection.output.isEmpty {
            let sent = connection.output.withUnsafeBytes {
                Glibc.send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                connection.output.removeFirst(sent)
            } else {
                if sent < 0 && (errno == EAGAIN || errno == EINTR) { return }
                break
            }
        }
        drop(connection.fd)
    }

    private func drop(_ fd: Int32) {
        guard let connection = connections.removeValue(forKey: fd) else { return }
        if let registration = connection.registration { loop.unregister(registration) }
        if let timer = connection.timer { loop.cancel(timer) }
        Glibc.close(fd)
    }
}

/// Why a management request was refused.
public enum ManagementError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The request is not `{"args": [strings]}` JSON.
    case badRequest(String)
    /// No such command; `usage` lists what exists.
    case unknownCommand(String, usage: String)
    /// The command exists but its arguments are wrong.
    case badArgument(String)

    public var description: String {
        switch self {
        case let .badRequest(reason): return "malformed request: \(reason)"
        case let .unknownCommand(command, usage): return "unknown command '\(command)'; commands: \(usage)"
        case let .badArgument(reason): return reason
        }
    }
}
