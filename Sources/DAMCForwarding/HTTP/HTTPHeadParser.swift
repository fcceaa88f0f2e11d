#if canImport(Glibc)
import Glibc
#endif

/// Reads the head of an HTTP/1.1 message (RFC 9112 §2-6) from the bytes
/// received so far. Sans-I/O: the caller reads from its socket, appends,
/// and asks again; nothing here blocks.
///
/// It is strict where leniency lets requests be smuggled past a proxy:
/// whitespace before a colon, obsolete line folding, bare CR, both
/// Transfer-Encoding and Content-Length, and disagreeing Content-Length
/// values are all refused (RFC 9112 §5.1, §5.2, §6.3).
///
/// It runs on every call at every gateway (the request at the ingress and
/// the egress, the response at both), so it reads the bytes in place: one
/// pass over the head, the fields that decide framing judged as bytes, and
/// one allocation (the head's bytes, kept in the `HTTPHead`) beyond the
/// start line's strings. Errors, the rare path, build their text afterwards.
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
        let outcome = buffer.withContiguousStorageIfAvailable { bytes in
            Result { () throws(HTTPError) -> HTTPHead? in try parseBytes(bytes, kind: kind) }
        }
        if let outcome { return try outcome.get() }
        let copy = Array(buffer.prefix(limits.maxHeadBytes + 4))
        return try copy.withUnsafeBufferPointer { bytes in
            Result { () throws(HTTPError) -> HTTPHead? in try parseBytes(bytes, kind: kind) }
        }.get()
    }

    /// The same, on bytes in memory.
    func parseBytes(_ bytes: UnsafeBufferPointer<UInt8>, kind: Kind) throws(HTTPError) -> HTTPHead? {
        guard let end = Self.headEnd(bytes, within: limits.maxHeadBytes + 4) else {
            if bytes.count > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
            return nil
        }
        guard end <= limits.maxHeadBytes else { throw .headTooLarge(limit: limits.maxHeadBytes) }
        var head = HTTPHead(method: "", target: "", status: 0, minorVersion: 1, framing: .none, keepAlive: true, byteCount: end)
        // Lines without their CRLF, up to the blank line that ends the head.
        var start = 0
        var sawStartLine = false
        var fields = 0
        var framing = Framing()
        // Line by line up to the blank line's CRLF (a CR is at end - 4 at the
        // latest): a bare LF before a line's CR, or a CR without its LF, is refused.
        while start < end - 3 {
            guard let cr = Self.find(0x0D, in: bytes, from: start, to: end - 3) else { break }
            if Self.find(0x0A, in: bytes, from: start, to: cr) != nil { throw .malformedHeader("bare LF") }
            guard bytes[cr + 1] == 0x0A else { throw .malformedHeader("bare CR") }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<cr])
            if !sawStartLine {
                sawStartLine = true
                switch kind {
                case .request: try Self.requestLine(line, into: &head)
                case .response: try Self.statusLine(line, into: &head)
                }
            } else {
                guard fields < limits.maxFields else { throw .tooManyHeaders(limit: limits.maxFields) }
                fields += 1
                let (name, value) = try Self.field(line)
                framing.note(name: UnsafeBufferPointer(rebasing: line[name]), value: UnsafeBufferPointer(rebasing: line[value]))
            }
            start = cr + 2
        }
        guard sawStartLine else { throw .malformedStartLine("empty") }
        head.bytes = Array(UnsafeBufferPointer(rebasing: bytes[0..<end]))
        try Self.frame(&head, kind: kind, framing)
        return head
    }

    /// The offset just past the blank line that ends the head, if it is
    /// within the first `limit` bytes.
    static func headEnd(_ bytes: UnsafeBufferPointer<UInt8>, within limit: Int) -> Int? {
        let count = min(bytes.count, limit)
        var from = 0
        while let lf = find(0x0A, in: bytes, from: from, to: count) {
            if lf >= 3 && bytes[lf - 1] == 0x0D && bytes[lf - 2] == 0x0A && bytes[lf - 3] == 0x0D { return lf + 1 }
            from = lf + 1
        }
        return nil
    }

    /// Where `byte` first is in `bytes[from..<to]` (memchr: the search runs
    /// over whole words, not byte by byte).
    static func find(_ byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress, let hit = memchr(base + from, Int32(byte), to - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
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

    static func text(_ bytes: UnsafeBufferPointer<UInt8>, max: Int = .max) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, max)]), as: UTF8.self)
    }

    static func version(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> Int {
        // "HTTP/1." then one digit.
        guard bytes.count == 8, bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50,
              bytes[4] == 0x2F, bytes[5] == 0x31, bytes[6] == 0x2E else {
            throw .malformedStartLine("no HTTP version in '\(text(bytes, max: 64))'")
        }
        switch bytes[7] {
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "1"): return 1
        default: throw .unsupportedVersion(text(bytes))
        }
    }

    /// `method SP target SP HTTP/1.x`, exactly two spaces.
    static func requestLine(_ line: UnsafeBufferPointer<UInt8>, into head: inout HTTPHead) throws(HTTPError) {
        var first = -1, second = -1, spaces = 0
        for index in 0..<line.count where line[index] == 0x20 {
            spaces += 1
            if first < 0 { first = index } else if second < 0 { second = index }
        }
        guard spaces == 2, first > 0, second > first + 1 else { throw .malformedStartLine(text(line, max: 128)) }
        let method = UnsafeBufferPointer(rebasing: line[0..<first])
        let target = UnsafeBufferPointer(rebasing: line[(first + 1)..<second])
        guard method.allSatisfy(isTokenByte) else { throw .malformedStartLine("bad method") }
        guard target.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformedStartLine("bad target") }
        head.method = Self.method(method)
        head.target = String(decoding: target, as: UTF8.self)
        head.minorVersion = try version(UnsafeBufferPointer(rebasing: line[(second + 1)...]))
    }

    /// The method's string; the common ones without decoding.
    static func method(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        if bytes.count == 3 && bytes[0] == 0x47 && bytes[1] == 0x45 && bytes[2] == 0x54 { return "GET" }
        if bytes.count == 4 && bytes[0] == 0x50 && bytes[1] == 0x4F && bytes[2] == 0x53 && bytes[3] == 0x54 { return "POST" }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `HTTP/1.x SP code [SP reason]`.
    static func statusLine(_ line: UnsafeBufferPointer<UInt8>, into head: inout HTTPHead) throws(HTTPError) {
        guard let space = line.firstIndex(of: 0x20) else { throw .malformedStartLine(text(line, max: 128)) }
        var codeEnd = space + 1
        while codeEnd < line.count && line[codeEnd] != 0x20 { codeEnd += 1 }
        let code = UnsafeBufferPointer(rebasing: line[(space + 1)..<codeEnd])
        guard code.count == 3, code.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformedStartLine(text(line, max: 128))
        }
        head.minorVersion = try version(UnsafeBufferPointer(rebasing: line[0..<space]))
        head.status = code.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    // MARK: Fields

    /// Where a field line's name and value are (the value without the
    /// blanks around it), after checking them.
    static func field(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> (name: Range<Int>, value: Range<Int>) {
        guard let first = line.first else { throw .malformedHeader("empty line") }
        if first == 0x20 || first == 0x09 { throw .malformedHeader("obsolete line folding") }
        guard let colon = find(UInt8(ascii: ":"), in: line, from: 0, to: line.count) else { throw .malformedHeader("no colon") }
        let name = UnsafeBufferPointer(rebasing: line[0..<colon])
        guard !name.isEmpty, name.allSatisfy(isTokenByte) else {
            throw .malformedHeader("bad field name '\(text(name, max: 64))'")
        }
        var low = colon + 1, high = line.count
        while low < high && (line[low] == 0x20 || line[low] == 0x09) { low += 1 }
        while high > low && (line[high - 1] == 0x20 || line[high - 1] == 0x09) { high -= 1 }
        for index in low..<high {
            let byte = line[index]
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F { throw .malformedHeader("control byte in '\(text(name))'") }
        }
        return (0..<colon, low..<high)
    }

    /// Calls `body` with each item of a comma-separated list: the pieces
    /// between commas that are not empty, each without the blanks around it
    /// (so an item may end up empty: `a, ,b` has `a`, ``, `b`).
    static func forEachItem(_ value: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count && value[end] != UInt8(ascii: ",") { end += 1 }
            if end > start {
                var low = start, high = end
                while low < high && (value[low] == 0x20 || value[low] == 0x09) { low += 1 }
                while high > low && (value[high - 1] == 0x20 || value[high - 1] == 0x09) { high -= 1 }
                body(UnsafeBufferPointer(rebasing: value[low..<high]))
            }
            start = end + 1
        }
    }

    /// ASCII case-insensitive equality with a lower-case literal.
    static func equalsLowered(_ bytes: UnsafeBufferPointer<UInt8>, _ lowered: StaticString) -> Bool {
        guard bytes.count == lowered.utf8CodeUnitCount else { return false }
        let other = lowered.utf8Start
        for index in 0..<bytes.count {
            let byte = bytes[index]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != other[index] { return false }
        }
        return true
    }

    /// The fields that decide framing and persistence, judged while the
    /// fields are read, as bytes (no string per field or item).
    struct Framing {
        /// Content-Length items seen, and the value if every one was the
        /// same run of at most 19 digits (RFC 9110 §8.6).
        var lengthItems = 0
        var length: UInt64?
        var firstLength: [UInt8] = []
        var lengthsValid = true
        /// Transfer-Encoding items seen, and whether they are one `chunked`.
        var codingItems = 0
        var onlyChunked = true
        /// Connection options seen.
        var close = false
        var keepAlive = false

        mutating func note(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 14 where HTTPHeadParser.equalsLowered(name, "content-length"):
                HTTPHeadParser.forEachItem(value) { item in noteLength(item) }
            case 17 where HTTPHeadParser.equalsLowered(name, "transfer-encoding"):
                HTTPHeadParser.forEachItem(value) { item in
                    codingItems += 1
                    if codingItems > 1 || !HTTPHeadParser.equalsLowered(item, "chunked") { onlyChunked = false }
                }
            case 10 where HTTPHeadParser.equalsLowered(name, "connection"):
                HTTPHeadParser.forEachItem(value) { item in
                    if HTTPHeadParser.equalsLowered(item, "close") { close = true }
                    if HTTPHeadParser.equalsLowered(item, "keep-alive") { keepAlive = true }
                }
            default:
                break
            }
        }

        mutating func noteLength(_ item: UnsafeBufferPointer<UInt8>) {
            lengthItems += 1
            guard lengthsValid else { return }
            if lengthItems == 1 {
                guard !item.isEmpty, item.count <= 19, item.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    lengthsValid = false
                    return
                }
                firstLength = Array(item)
                length = item.reduce(0) { $0 * 10 + UInt64($1 - 0x30) }
            } else if !item.elementsEqual(firstLength) {
                lengthsValid = false
            }
        }
    }

    // MARK: Framing (RFC 9112 §6.3)

    static func frame(_ head: inout HTTPHead, kind: Kind, _ framing: Framing) throws(HTTPError) {
        head.keepAlive = head.minorVersion == 1 ? !framing.close : framing.keepAlive
        if case let .response(method) = kind,
           method == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            head.framing = .none
            return
        }
        if framing.codingItems > 0 {
            if framing.lengthItems > 0, case .request = kind { throw .conflictingFraming }
            guard framing.onlyChunked else {
                if case .response = kind {   // RFC 9112 §6.3 item 4: read until close
                    head.framing = .untilClose
                    head.keepAlive = false
                    return
                }
                throw .unsupportedTransferEncoding(items(of: "transfer-encoding", in: head).map { $0.lowercased() }
                    .joined(separator: ", "))
            }
            head.framing = .chunked
            return
        }
        if framing.lengthItems > 0 {
            guard framing.lengthsValid, let length = framing.length else {
                throw .invalidContentLength(items(of: "content-length", in: head).joined(separator: ","))
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

    /// Every item of every field called `name`, as text (for error messages).
    static func items(of name: String, in head: HTTPHead) -> [String] {
        var result: [String] = []
        head.bytes.withUnsafeBufferPointer { raw in
            head.forEachField(named: name) { value in
                forEachItem(UnsafeBufferPointer(rebasing: raw[value])) { result.append(String(decoding: $0, as: UTF8.self)) }
                return true
            }
        }
        return result
    }
}
