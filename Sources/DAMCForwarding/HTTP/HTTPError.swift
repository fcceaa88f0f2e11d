/// Why an HTTP/1.1 message head or body framing was refused (RFC 9112).
/// Each case maps to the status the ingress answers with, so a malformed
/// request gets a response that says what was wrong, never a hang.
public enum HTTPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The head grew past the configured limit before its blank line.
    case headTooLarge(limit: Int)
    /// More header fields than the configured limit.
    case tooManyHeaders(limit: Int)
    /// The request line (or status line) is not `METHOD SP target SP HTTP/1.x`.
    case malformedStartLine(String)
    /// A header line without a colon, with a bad name, or with a bare CR.
    case malformedHeader(String)
    /// Only HTTP/1.0 and HTTP/1.1 are spoken on this listener.
    case unsupportedVersion(String)
    /// Content-Length that is not a number, or several that disagree.
    case invalidContentLength(String)
    /// Both Transfer-Encoding and Content-Length (a smuggling vector: RFC 9112 §6.3).
    case conflictingFraming
    /// A transfer coding other than a final `chunked`.
    case unsupportedTransferEncoding(String)
    /// A chunk-size line that is not hexadecimal, or too long.
    case malformedChunk(String)
    /// The request target is not a path that names a service.
    case invalidTarget(String)

    /// The status code the ingress answers with.
    public var status: Int {
        switch self {
        case .headTooLarge, .tooManyHeaders: return 431
        case .unsupportedVersion: return 505
        case .unsupportedTransferEncoding: return 501
        default: return 400
        }
    }

    public var description: String {
        switch self {
        case let .headTooLarge(limit): return "request head larger than \(limit) bytes"
        case let .tooManyHeaders(limit): return "more than \(limit) header fields"
        case let .malformedStartLine(line): return "malformed start line: \(line)"
        case let .malformedHeader(why): return "malformed header field: \(why)"
        case let .unsupportedVersion(version): return "unsupported HTTP version \(version)"
        case let .invalidContentLength(value): return "invalid Content-Length: \(value)"
        case .conflictingFraming: return "both Transfer-Encoding and Content-Length"
        case let .unsupportedTransferEncoding(value): return "unsupported Transfer-Encoding: \(value)"
        case let .malformedChunk(why): return "malformed chunk: \(why)"
        case let .invalidTarget(why): return "request target is not a service name: \(why)"
        }
    }
}
