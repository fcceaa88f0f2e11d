/// How the body of an HTTP/1.1 message is delimited (RFC 9112 §6.3).
/// The forwarding plane never buffers a body: it moves exactly this many
/// bytes (with splice(2) when the length is known) or scans chunk framing
/// as the bytes pass.
public enum BodyFraming: Hashable, Sendable {
    /// No body (a GET without length, a 204, a 304, a response to HEAD).
    case none
    /// Exactly this many bytes.
    case length(UInt64)
    /// `Transfer-Encoding: chunked`: scanned by `ChunkedScanner`.
    case chunked
    /// A response body that ends when the server closes (responses only).
    case untilClose
}
