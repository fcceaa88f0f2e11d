/// The head of an HTTP/1.1 request or response, as parsed by
/// `HTTPHeadParser`: the start line's parts, the header fields in order,
/// and what the forwarding plane needs to move the body and reuse the
/// connection. The original bytes are forwarded unchanged; this is only
/// the reading of them.
public struct HTTPHead: Sendable, Equatable {
    /// Requests: the method (`GET`). Responses: empty.
    public var method: String
    /// Requests: the request target (`/shop/cart/items/42?x=1`). Responses: empty.
    public var target: String
    /// Responses: the status code. Requests: 0.
    public var status: Int
    /// The minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    /// Header fields in order, names as sent.
    public var fields: [(name: String, value: String)]
    /// How the body that follows is delimited.
    public var framing: BodyFraming
    /// Whether the connection may carry another message after this one.
    public var keepAlive: Bool
    /// The size of the head in bytes, blank line included.
    public var byteCount: Int

    public static func == (lhs: HTTPHead, rhs: HTTPHead) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.status == rhs.status
            && lhs.minorVersion == rhs.minorVersion && lhs.framing == rhs.framing && lhs.keepAlive == rhs.keepAlive
            && lhs.byteCount == rhs.byteCount
            && lhs.fields.map { "\($0.name):\($0.value)" } == rhs.fields.map { "\($0.name):\($0.value)" }
    }

    /// The first value of a field, by case-insensitive name.
    public func value(of name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Whether a request sends `Expect: 100-continue`.
    public var expectsContinue: Bool { value(of: "expect")?.lowercased() == "100-continue" }
}
