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

/// The client side of the management protocol (docs/management.md), used
/// by damcctl and the tests: one request line out, one reply line back.
public enum ManagementClient {
    /// Why a request got no data.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        /// The socket could not be reached (daemon not running, wrong path).
        case unreachable(String)
        /// The daemon answered with an error.
        case refused(String)
        /// The reply was not the protocol's JSON.
        case malformedReply(String)

        public var description: String {
            switch self {
            case let .unreachable(text): return text
            case let .refused(text): return text
            case let .malformedReply(text): return "malformed reply: \(text)"
            }
        }
    }

    /// Sends `args` to the daemon at `socketPath` and returns its `data`.
    public static func request(_ args: [String], socketPath: String, timeout: Duration = .seconds(5)) throws(Failure) -> JSONValue {
        let reply = try exchange(Array((JSONValue.object(["args": .array(args.map { .string($0) })]).text() + "\n").utf8),
                                 socketPath: socketPath, timeout: timeout)
        let value: JSONValue
        do { value = try JSONValue.parse(Data(reply), file: socketPath) } catch {
            throw .malformedReply(error.reason)
        }
        if value["ok"] == .bool(true), let data = value["data"] { return data }
        if let error = value["error"]?.stringValue { throw .refused(error) }
        throw .malformedReply(String(decoding: reply.prefix(200), as: UTF8.self))
    }

    /// Sends raw bytes and returns everything the daemon sends back before
    /// closing (for tests of malformed requests).
    public static func exchange(_ bytes: [UInt8], socketPath: String, timeout: Duration = .seconds(5)) throws(Failure) -> [UInt8] {
        let address: SocketAddress
        do { address = try SocketAddress(unixPath: socketPath) } catch { throw .unreachable("\(socketPath): \(error)") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(SystemError("socket").description) }
        defer { close(fd) }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard address.withSockaddr({ connect(fd, $0, $1) }) == 0 else {
            throw .unreachable("cannot connect to \(socketPath): \(SystemError("connect").description.dropFirst(9)) (is the daemon running?)")
        }
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            reply += chunk[0..<count]
        }
        return reply
    }
}
