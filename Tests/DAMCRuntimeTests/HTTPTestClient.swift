import COpenSSL
import DAMCForwarding
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking HTTP/1.1 client over one TCP connection, for tests
/// that need exact control of the bytes (keep-alive, chunked bodies,
/// malformed requests, clients that vanish). Every read has a timeout.
final class HTTPTestClient {
    struct Response {
        var status: Int
        var head: HTTPHead
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { head.value(of: name) }
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let fd: Int32
    var buffer: [UInt8] = []

    init(host: String, port: UInt16, timeoutSeconds: Int = 60) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "bad address \(host)") }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket: \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let code = errno
            close(socket)
            throw Failure(description: "connect \(host):\(port): \(String(cString: strerror(code)))")
        }
        fd = socket
    }

    deinit { close(fd) }

    func send(_ bytes: some Collection<UInt8>) throws {
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += sent
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads more bytes; false at end of stream.
    func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        buffer += chunk[0..<count]
        return count > 0
    }

    /// Whether the server has closed the connection (reads until EOF or timeout).
    func closedByPeer() -> Bool {
        buffer.removeAll()
        while let more = try? fill() {
            if !more { return true }
            buffer.removeAll()
        }
        return false
    }

    /// Reads one response; its body goes to `sink` in pieces when given
    /// (then `body` is empty), else into `body`.
    func response(method: String = "GET", sink: ((ArraySlice<UInt8>) -> Void)? = nil) throws -> Response {
        let parser = HTTPHeadParser()
        var head: HTTPHead
        while true {
            if let parsed = try parser.parse(buffer, kind: .response(requestMethod: method)) {
                head = parsed
                buffer.removeFirst(parsed.byteCount)
                if (100..<200).contains(parsed.status) { continue }
                break
            }
            guard try fill() else { throw Failure(description: "closed before a response (\(buffer.count) bytes)") }
        }
        var body: [UInt8] = []
        func deliver(_ piece: ArraySlice<UInt8>) { if let sink { sink(piece) } else { body += piece } }
        switch head.framing {
        case .none: break
        case var .length(left):
            while left > 0 {
                if buffer.isEmpty { guard try fill() else { throw Failure(description: "body cut short, \(left) left") } }
                let take = Int(min(left, UInt64(buffer.count)))
                deliver(buffer[0..<take])
                buffer.removeFirst(take)
                left -= UInt64(take)
            }
        case .untilClose:
            while true {
                deliver(buffer[...])
                buffer.removeAll()
                guard try fill() else { break }
            }
        case .chunked:
            while true {
                while !buffer.contains(10) { guard try fill() else { throw Failure(description: "chunk cut short") } }
                let line = buffer.firstIndex(of: 10)!
                let size = Int(String(decoding: buffer[0..<line], as: UTF8.self).split(separator: ";")[0]
                    .trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) ?? 0
                buffer.removeFirst(line + 1)
                if size == 0 {
                    while !(buffer.starts(with: [13, 10])) { guard try fill() else { break } }
                    buffer.removeFirst(min(2, buffer.count))
                    break
                }
                while buffer.count < size + 2 { guard try fill() else { throw Failure(description: "chunk cut short") } }
                deliver(buffer[0..<size])
                buffer.removeFirst(size + 2)
            }
        }
        return Response(status: head.status, head: head, body: body)
    }

    /// One request and its response on this connection.
    /// Reads one response, its body counted and hashed as it comes
    /// (never held whole): the response, the body's length and SHA-256.
    func download(method: String = "GET") throws -> (response: Response, count: Int, sha256: String) {
        let digest = SHA256Digest()
        var count = 0
        let response = try response(method: method) { piece in
            digest.update(piece)
            count += piece.count
        }
        return (response, count, digest.hex)
    }

    func request(_ method: String, _ path: String, headers: [String] = [], body: [UInt8] = []) throws -> Response {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: test\r\n"
        for header in headers { text += header + "\r\n" }
        if !body.isEmpty || method == "POST" { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try send(Array(text.utf8) + body)
        return try response(method: method)
    }
}

/// SHA-256 through OpenSSL, fed in pieces.
final class SHA256Digest {
    private let context: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    func update(_ bytes: some Collection<UInt8>) {
        let data = Array(bytes)
        data.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    var hex: String {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// A test service process (Fixtures/test_service.py) on a loopback
/// address; it exits when this object goes (its stdin closes).
final class TestService {
    let process = Process()
    let input = Pipe()
    let host: String
    let port: UInt16

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/test_service.py").path

    init(host: String, port: UInt16, name: String) throws {
        self.host = host
        self.port = port
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, host, String(port), name]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("ready") {
            let more = output.fileHandleForReading.availableData
            guard !more.isEmpty else { throw HTTPTestClient.Failure(description: "test service \(name) did not start") }
            seen += more
        }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        stop()
    }
}
