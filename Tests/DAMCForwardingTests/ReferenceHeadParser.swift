import DAMCForwarding

/// The straightforward head parser the forwarding plane used before it read
/// heads in place (split lines, a string per list item): the reference the
/// fast `HTTPHeadParser` is checked against, rule for rule and error for
/// error (RFC 9112 §2-6).
struct ReferenceHeadParser {
    struct Head: Equatable {
        var method = "", target = "", status = 0, minorVersion = 1
        var framing: BodyFraming = .none
        var keepAlive = true
        var byteCount = 0
        var fields: [String] = []
    }

    var limits = HTTPHeadParser.Limits()

    func parse(_ buffer: [UInt8], kind: HTTPHeadParser.Kind) throws(HTTPError) -> Head? {
        var bytes = Array(buffer.prefix(limits.maxHeadBytes + 4))
        guard let end = Self.headEnd(bytes) else {
            if bytes.count > limits.maxHeadBytes { throw .headTooLarge(limit: limits.maxHeadBytes) }
            return nil
        }
        guard end <= limits.maxHeadBytes else { throw .headTooLarge(limit: limits.maxHeadBytes) }
        bytes.removeSubrange(end...)
        var head = Head(byteCount: end)
        var start = 0, index = 0, sawStartLine = false
        var lengths: [String] = [], codings: [String] = [], connection: [String] = []
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
                    guard head.fields.count < limits.maxFields else { throw .tooManyHeaders(limit: limits.maxFields) }
                    let (name, value) = try Self.field(line)
                    head.fields.append(Self.text(name) + ":" + Self.text(value))
                    switch Self.text(name).lowercased() {
                    case "content-length": lengths += Self.items(value, lowered: false)
                    case "transfer-encoding": codings += Self.items(value, lowered: true)
                    case "connection": connection += Self.items(value, lowered: true)
                    default: break
                    }
                }
                index += 2
                start = index
            } else {
                if bytes[index] == 0x0A { throw .malformedHeader("bare LF") }
                index += 1
            }
        }
        guard sawStartLine else { throw .malformedStartLine("empty") }
        head.keepAlive = head.minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        if case let .response(method) = kind,
           method == "HEAD" || (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            head.framing = .none
            return head
        }
        if !codings.isEmpty {
            if !lengths.isEmpty, case .request = kind { throw .conflictingFraming }
            guard codings == ["chunked"] else {
                if case .response = kind {
                    head.framing = .untilClose
                    head.keepAlive = false
                    return head
                }
                throw .unsupportedTransferEncoding(codings.joined(separator: ", "))
            }
            head.framing = .chunked
            return head
        }
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), first.utf8.count <= 19, !first.isEmpty,
                  first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = UInt64(first) else {
                throw .invalidContentLength(lengths.joined(separator: ","))
            }
            head.framing = length == 0 ? .none : .length(length)
            return head
        }
        if case .response = kind {
            head.framing = .untilClose
            head.keepAlive = false
        }
        return head
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index] == 0x0A && bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D {
            return index + 1
        }
        return nil
    }

    static func isToken(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    static func version(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        guard bytes.count == 8, bytes.prefix(7).elementsEqual("HTTP/1.".utf8) else {
            throw .malformedStartLine("no HTTP version in '\(text(bytes.prefix(64)))'")
        }
        switch bytes.last! {
        case UInt8(ascii: "0"): return 0
        case UInt8(ascii: "1"): return 1
        default: throw .unsupportedVersion(text(bytes))
        }
    }

    static func requestLine(_ line: ArraySlice<UInt8>, into head: inout Head) throws(HTTPError) {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedStartLine(text(line.prefix(128))) }
        guard parts[0].allSatisfy(isToken) else { throw .malformedStartLine("bad method") }
        guard parts[1].allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformedStartLine("bad target") }
        head.method = text(parts[0])
        head.target = text(parts[1])
        head.minorVersion = try version(parts[2])
    }

    static func statusLine(_ line: ArraySlice<UInt8>, into head: inout Head) throws(HTTPError) {
        let parts = line.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[1].count == 3, parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw .malformedStartLine(text(line.prefix(128)))
        }
        head.minorVersion = try version(parts[0])
        head.status = parts[1].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    static func field(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        guard let first = line.first else { throw .malformedHeader("empty line") }
        if first == 0x20 || first == 0x09 { throw .malformedHeader("obsolete line folding") }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { throw .malformedHeader("no colon") }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isToken) else { throw .malformedHeader("bad field name '\(text(name.prefix(64)))'") }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
        while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }), !value.contains(0x7F) else {
            throw .malformedHeader("control byte in '\(text(name))'")
        }
        return (name, value)
    }

    static func items(_ value: ArraySlice<UInt8>, lowered: Bool) -> [String] {
        value.split(separator: UInt8(ascii: ",")).map { item in
            var item = item
            while let byte = item.first, byte == 0x20 || byte == 0x09 { item = item.dropFirst() }
            while let byte = item.last, byte == 0x20 || byte == 0x09 { item = item.dropLast() }
            return lowered ? text(item).lowercased() : text(item)
        }
    }
}
