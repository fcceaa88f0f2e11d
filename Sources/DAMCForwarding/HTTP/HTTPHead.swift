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
        var result: [(name: String, value: String)] = []
        forEachField { name, value in
            result.append((String(decoding: bytes[name], as: UTF8.self), String(decoding: bytes[value], as: UTF8.self)))
            return true
        }
        return result
    }
    /// The head's bytes, start line to blank line, as received: what is
    /// forwarded unchanged. The parser checked them, so the field lines
    /// are found again on demand.
    public internal(set) var bytes: [UInt8] = []
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
        var found: String?
        forEachField(named: name) { value in
            found = String(decoding: bytes[value], as: UTF8.self)
            return false
        }
        return found
    }

    /// Every value of a field, by case-insensitive name, in order.
    public func values(of name: String) -> [String] {
        var found: [String] = []
        forEachField(named: name) { value in
            found.append(String(decoding: bytes[value], as: UTF8.self))
            return true
        }
        return found
    }

    /// Calls `body` with the value range of each field called `name` (any
    /// case) until it returns false.
    func forEachField(named name: String, _ body: (Range<Int>) -> Bool) {
        var name = name
        name.withUTF8 { wanted in
            forEachField { field, value in
                guard field.count == wanted.count else { return true }
                for (a, b) in zip(bytes[field], wanted) where a | 0x20 != b | 0x20 { return true }
                return body(value)
            }
        }
    }

    /// Calls `body` with the name and value ranges (value without the
    /// blanks around it) of each field line, in order, until it returns
    /// false. The head was checked when parsed, so every line after the
    /// start line has a colon.
    func forEachField(_ body: (_ name: Range<Int>, _ value: Range<Int>) -> Bool) {
        bytes.withUnsafeBufferPointer { bytes in
            let end = bytes.count - 2   // the blank line's CRLF
            var index = 0
            while index < end && bytes[index] != 0x0D { index += 1 }   // past the start line
            index += 2
            while index < end {
                let start = index
                var colon = -1
                while index < end && bytes[index] != 0x0D {
                    if colon < 0 && bytes[index] == UInt8(ascii: ":") { colon = index }
                    index += 1
                }
                guard colon > start else { return }
                var low = colon + 1, high = index
                while low < high && (bytes[low] == 0x20 || bytes[low] == 0x09) { low += 1 }
                while high > low && (bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09) { high -= 1 }
                guard body(start..<colon, low..<high) else { return }
                index += 2
            }
        }
    }

    /// Whether a request sends `Expect: 100-continue`.
    public var expectsContinue: Bool { value(of: "expect")?.lowercased() == "100-continue" }
}
