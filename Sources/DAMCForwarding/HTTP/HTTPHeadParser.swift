/// Reads the head of an HTTP/1.1 message (RFC 9112 §2-6) from the bytes
/// received so far. Sans-I/O: the caller reads from its socket, appends,
/// and asks again; nothing here blocks or allocates beyond the head.
///
/// It is strict where leniency lets requests be smuggled past a proxy:
/// whitespace before a colon, obsolete line folding, bare CR, both
/// Transfer-Encoding and Content-Length, and disagreeing Content-Length
/// values are all refused (RFC 9112 §5.1, §5.2, §6.3).
public struct HTTPHeadParser: Sendable {
    /// Limits that bound what one head may cost.
    public struct Limits: Sendable, Equatable {
        /// The largest head in bytes, start line and blank line included.
        public var maxHeadBytes: Int = 16 * 1024
        /// The most header fields.
        public var maxFields: Int = 100

        public init(maxHeadBytes: Int = 16 * 1024, maxFields: Int = 100) {
            self.maxHeadBytes = maxHeadBytes
            self.maxFields = maxFields
        }
    }

    /// What is being read: a request, or the response to a request made
    /// with `method` (a response to HEAD has no body).
    public enum Kind: Sendable {
        case request
        case response(requestMethod: String)
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The head at the start of `buffer`, or nil when its end has not
    /// arrived yet. Throws when the head is malformed or too large (also
    /// before it is complete, so a client cannot hold memory by trickling).
    public func parse(_ buffer: some Collection<UInt8>, kind: Kind) throws(HTTPError) -> HTTPHead? {
        var bytes = Array(buffer.prefix(limits.maxHeadBytes + 4))
        guard let end = Self.headEnd(bytes) else {
            if bytes.count > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
            return nil
        }
        guard end <= limits.maxHeadBytes else { throw .headTooLarge(limit: limits.maxHeadBytes) }
        bytes.removeSubrange(end...)
        var head = HTTPHead(method: "", target: "", status: 0, minorVersion: 1, framing: .none, keepAlive: true, byteCount: end)
        // Lines without their CRLF, up to the blank line that ends the head.
        var start = 0
        var index = 0
        var sawStartLine = false
        var framing = Framing()
        while index + 1 < end - 2 {
            if bytes[index] == 0x0D {
                guard bytes[index + 1] == 0x0A else { throw .malformedHeader("bare CR") }
                let line = bytes[start..<index]
                if !sawStartLine {
                    sawStartLine = true
                    switch kind {
                    case .request: try Self.requestLine(line, into: &head)
                    case .response: try Self.statusLine(line, into: &head)
                    }
                } else {
                    guard head.fieldRanges.count < limits.maxFields else { throw .tooManyHeaders(limit: limits.maxFields) }
                    let field = try Self.field(line)
                    head.fieldRanges.append(field)
                    framing.note(name: bytes[field.name], value: bytes[field.value])
                }
                index += 2
                start = index
            } else {
                if bytes[index] == 0x0A { throw .malformedHeader("bare LF") }
                index += 1
            }
        }
        guard sawStartLine else { throw .malformedStartLine("empty") }
        head.raw = bytes
        try Self.frame(&head, kind: kind, framing)
        return head
    }

    /// The offset just past the blank line that ends the head, if present.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = 3
        while index < bytes.count {
            if bytes[index] == 0x0A && bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D {
                return index + 1
            }
            index += 1
        }
        return nil
    }

    // MARK: Start lines

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default: return false
        }
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static let versionPrefix: [UInt8] = Array("HTTP/1.".utf8)

    static func version(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        guard bytes.count == 8, bytes.prefix(7).elementsEqual(versionPrefix) else {
            throw .malformedStartLine("no HTTP version in '\(text(bytes.prefix(64)))'")
        }
        switch bytes.last! {
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "1"): return 1
        default: throw .unsupportedVersion(text(bytes))
        }
    }

    static func requestLine(_ line: ArraySlice<UInt8>, into head: inout HTTPHead) throws(HTTPError) {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .malformedStartLine(text(line.prefix(128)))
        }
        guard parts[0].allSatisfy(isTokenByte) else { throw .malformedStartLine("bad method") }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformedStartLine("bad target") }
        head.method = text(parts[0])
        head.target = text(parts[1])
        head.minorVersion = try version(parts[2])
    }

    static func statusLine(_ line: ArraySlice<UInt8>, into head: inout HTTPHead) throws(HTTPError) {
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[1].count == 3, parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformedStartLine(text(line.prefix(128)))
        }
        head.minorVersion = try version(parts[0])
        head.status = parts[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    // MARK: Fields

    /// Where a field line's name and value are (the value without the
    /// spaces around it), after checking them.
    static func field(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (name: Range<Int>, value: Range<Int>) {
        guard let first = line.first else { throw .malformedHeader("empty line") }
        if first == 0x20 || first == 0x09 { throw .malformedHeader("obsolete line folding") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformedHeader("no colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
            throw .malformedHeader("bad field name '\(text(name.prefix(64)))'")
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
        while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }), !value.contains(0x7F) else {
            throw .malformedHeader("control byte in '\(text(name))'")
        }
        return (name.startIndex..<name.endIndex, value.startIndex..<value.endIndex)
    }

    /// The fields that decide framing and persistence, collected while the
    /// fields are read (names compared by bytes: no string per field).
    struct Framing {
        var lengths: [String] = []
        var codings: [String] = []
        var connection: [String] = []

        static let contentLength = Array("content-length".utf8)
        static let transferEncoding = Array("transfer-encoding".utf8)
        static let connectionName = Array("connection".utf8)

        mutating func note(name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) {
            if HTTPHead.sameName(name, Self.contentLength) {
                lengths += Self.items(value, lowered: false)
            } else if HTTPHead.sameName(name, Self.transferEncoding) {
                codings += Self.items(value, lowered: true)
            } else if HTTPHead.sameName(name, Self.connectionName) {
                connection += Self.items(value, lowered: true)
            }
        }

        /// A comma-separated list, each item without spaces around it.
        static func items(_ value: ArraySlice<UInt8>, lowered: Bool) -> [String] {
            value.split(separator: UInt8(ascii: ",")).map { item in
                var item = item
                while let byte = item.first, byte == 0x20 || byte == 0x09 { item = item.dropFirst() }
                while let byte = item.last, byte == 0x20 || byte == 0x09 { item = item.dropLast() }
                let text = String(decoding: item, as: UTF8.self)
                return lowered ? text.lowercased() : text
            }
        }
    }

    // MARK: Framing (RFC 9112 §6.3)

    static func frame(_ head: inout HTTPHead, kind: Kind, _ framing: Framing) throws(HTTPError) {
        let lengths = framing.lengths, codings = framing.codings, connection = framing.connection
        head.keepAlive = head.minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        if case let .response(method) = kind,
           method == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            head.framing = .none
            return
        }
        if !codings.isEmpty {
            if !lengths.isEmpty, case .request = kind { throw .conflictingFraming }
            guard codings == ["chunked"] else {
                if case .response = kind {   // RFC 9112 §6.3 item 4: read until close
                    head.framing = .untilClose
                    head.keepAlive = false
                    return
                }
                throw .unsupportedTransferEncoding(codings.joined(separator: ", "))
            }
            head.framing = .chunked
            return
        }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), first.utf8.count <= 19, !first.isEmpty,
                  first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = UInt64(first) else {
                throw .invalidContentLength(lengths.joined(separator: ","))
            }
            head.framing = length == 0 ? .none : .length(length)
            return
        }
        switch kind {
        case .request: head.framing = .none
        case .response:
            head.framing = .untilClose
            head.keepAlive = false
        }
    }
}
