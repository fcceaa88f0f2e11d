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
    /// Header fields in order, names as sent (read from the head's bytes
    /// on demand: the forwarding plane passes heads on unchanged and looks
    /// at only a few fields, so it pays for no string per field).
    public var fields: [(name: String, value: String)] {
        fieldRanges.map { (String(decoding: raw[$0.name], as: UTF8.self), String(decoding: raw[$0.value], as: UTF8.self)) }
    }
    /// The head's bytes, and where each field's name and value are in them.
    var raw: [UInt8] = []
    var fieldRanges: [(name: Range<Int>, value: Range<Int>)] = []
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

    public init(method: String, target: String, status: Int, minorVersion: Int, framing: BodyFraming, keepAlive: Bool,
                byteCount: Int) {
        self.method = method
        self.target = target
        self.status = status
        self.minorVersion = minorVersion
        self.framing = framing
        self.keepAlive = keepAlive
        self.byteCount = byteCount
    }

    /// The first value of a field, by case-insensitive name.
    public func value(of name: String) -> String? {
        let wanted = Array(name.utf8)
        guard let range = fieldRanges.first(where: { Self.sameName(raw[$0.name], wanted) }) else { return nil }
        return String(decoding: raw[range.value], as: UTF8.self)
    }

    /// Every value of a field, by case-insensitive name, in order.
    public func values(of name: String) -> [String] {
        let wanted = Array(name.utf8)
        return fieldRanges.filter { Self.sameName(raw[$0.name], wanted) }.map { String(decoding: raw[$0.value], as: UTF8.self) }
    }

    /// ASCII case-insensitive equality of a field name and `lowered` (or any case).
    static func sameName(_ name: ArraySlice<UInt8>, _ other: [UInt8]) -> Bool {
        guard name.count == other.count else { return false }
        for (a, b) in zip(name, other) where a | 0x20 != b | 0x20 { return false }
        return true
    }

    /// Whether a request sends `Expect: 100-continue`.
    public var expectsContinue: Bool { value(of: "expect")?.lowercased() == "100-continue" }
}
