import DAMCForwarding
import PropertyBased
import Testing

@Suite("HTTP/1.1 heads")
struct HTTPHeadParserTests {
    let parser = HTTPHeadParser()

    func request(_ text: String) throws(HTTPError) -> HTTPHead? {
        try parser.parse(Array(text.utf8), kind: .request)
    }

    @Test("a GET with keep-alive and no body")
    func simpleGet() throws {
        let head = try #require(try request("GET /shop/cart/items/42?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"))
        #expect(head.method == "GET")
        #expect(head.target == "/shop/cart/items/42?x=1")
        #expect(head.minorVersion == 1)
        #expect(head.framing == .none)
        #expect(head.keepAlive)
        #expect(head.value(of: "host") == "a")
        #expect(head.byteCount == "GET /shop/cart/items/42?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n".utf8.count)
    }

    @Test("every proper prefix of a head is incomplete, not an error")
    func incremental() throws {
        let text = Array("POST /B HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello".utf8)
        let end = text.count - 5
        for cut in 0..<end { #expect(try parser.parse(text[..<cut], kind: .request) == nil) }
        let head = try #require(try parser.parse(text, kind: .request))
        #expect(head.framing == .length(5))
        #expect(!head.keepAlive)
        #expect(head.byteCount == end)
    }

    @Test("HTTP/1.0 closes unless asked to keep alive")
    func http10() throws {
        #expect(try request("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(try request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")?.keepAlive == true)
    }

    @Test("chunked requests")
    func chunked() throws {
        #expect(try request("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")?.framing == .chunked)
    }

    @Test("refused heads", arguments: [
        ("GET /a HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", HTTPError.conflictingFraming),
        ("GET /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .invalidContentLength("3,4")),
        ("GET /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n", .invalidContentLength("-1")),
        ("GET /a HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", .invalidContentLength("99999999999999999999")),
        ("GET /a HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding("gzip")),
        ("GET /a HTTP/1.1\r\nHost : a\r\n\r\n", .malformedHeader("bad field name 'Host '")),
        ("GET /a HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", .malformedHeader("obsolete line folding")),
        ("GET /a HTTP/1.1\r\nHost: a\rb\r\n\r\n", .malformedHeader("bare CR")),
        ("GET /a HTTP/2.0\r\n\r\n", .malformedStartLine("no HTTP version in 'HTTP/2.0'")),
        ("GET /a HTTP/1.2\r\n\r\n", .unsupportedVersion("HTTP/1.2")),
        ("GET  /a HTTP/1.1\r\n\r\n", .malformedStartLine("GET  /a HTTP/1.1")),
        ("GET /a HTTP/1.1\r\nNoColon\r\n\r\n", .malformedHeader("no colon")),
    ])
    func refused(text: String, error: HTTPError) {
        #expect(throws: error) { try request(text) }
    }

    @Test("a head over the limit is refused before it ends")
    func limits() throws {
        let small = HTTPHeadParser(limits: .init(maxHeadBytes: 64, maxFields: 2))
        let long = Array(("GET /a HTTP/1.1\r\nX: " + String(repeating: "y", count: 100)).utf8)
        #expect(throws: HTTPError.headTooLarge(limit: 64)) { try small.parse(long, kind: .request) }
        #expect(throws: HTTPError.tooManyHeaders(limit: 2)) {
            try small.parse(Array("GET /a HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n".utf8), kind: .request)
        }
        #expect(HTTPError.headTooLarge(limit: 64).status == 431)
    }

    @Test("response framing follows RFC 9112 §6.3")
    func responses() throws {
        func response(_ text: String, method: String = "GET") throws -> HTTPHead {
            try #require(try parser.parse(Array(text.utf8), kind: .response(requestMethod: method)))
        }
        #expect(try response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n").framing == .length(12))
        #expect(try response("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", method: "HEAD").framing == .none)
        #expect(try response("HTTP/1.1 204 No Content\r\n\r\n").framing == .none)
        #expect(try response("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n").framing == .none)
        #expect(try response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").framing == .chunked)
        let untilClose = try response("HTTP/1.0 200 OK\r\n\r\n")
        #expect(untilClose.framing == .untilClose)
        #expect(!untilClose.keepAlive)
        #expect(try response("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n").status == 404)
    }
}

@Suite("DAMC-Hop-Limit")
struct HopLimitFieldTests {
    @Test("set on the way to an instance, replacing any the client sent; read back by an ingress")
    func roundTrip() throws {
        let text = "GET /B HTTP/1.1\r\nHost: a\r\ndamc-hop-limit: 200\r\nAccept: */*\r\n\r\n"
        let rewritten = HopLimitField.apply(to: Array(text.utf8)[...], remaining: 7)
        #expect(String(decoding: rewritten, as: UTF8.self) == "GET /B HTTP/1.1\r\nHost: a\r\nAccept: */*\r\nDAMC-Hop-Limit: 7\r\n\r\n")
        let head = try #require(try HTTPHeadParser().parse(rewritten, kind: .request))
        #expect(HopLimitField.value(in: head) == 7)
        let plain = try #require(try HTTPHeadParser().parse(Array("GET / HTTP/1.1\r\n\r\n".utf8), kind: .request))
        #expect(HopLimitField.value(in: plain) == nil)
        #expect(HopLimitField.apply(to: Array("GET / HTTP/1.1\r\n\r\n".utf8)[...], remaining: 0)
            == Array("GET / HTTP/1.1\r\nDAMC-Hop-Limit: 0\r\n\r\n".utf8))
    }
}

@Suite("HTTP/1.1 heads against the reference parser")
struct HTTPHeadReferenceTests {
    /// A small deterministic generator (SplitMix64) so that one integer
    /// from the property checker describes one head.
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ choices: [T]) -> T { choices[Int(next() % UInt64(choices.count))] }
        mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
    }

    static let requestLines = ["GET /B/x HTTP/1.1", "POST /shop/cart?x=1 HTTP/1.0", "DELETE http://h/a HTTP/1.1",
                               "GET  /a HTTP/1.1", "GET /a HTTP/1.2", "GET /a HTTP/2.0", "G@T /a HTTP/1.1", "GET /a", " GET /a HTTP/1.1",
                               "GET /a HTTP/1.1 ", "GET /\u{7F} HTTP/1.1", ""]
    static let statusLines = ["HTTP/1.1 200 OK", "HTTP/1.0 204 No Content", "HTTP/1.1 304", "HTTP/1.1 101 Switching",
                              "HTTP/1.1 100 Continue", "HTTP/1.1 20 OK", "HTTP/1.1 2000 OK", "HTTP/2 200 OK", "HTTP/1.1 404 Not  Found",
                              "HTTP/1.1"]
    static let names = ["Host", "Content-Length", "content-length", "CONTENT-LENGTH", "Transfer-Encoding", "transfer-encoding",
                        "Connection", "connection", "Accept", "X-A", "DAMC-Hop-Limit", "Host ", " Host", "Ho@st", ""]
    static let values = ["a", "0", "12", " 12 ", "12, 12", "12,13", "-1", "99999999999999999999", "9999999999999999999", "", ",",
                         " , ", "chunked", "Chunked", "gzip, chunked", "chunked, chunked", "close", "Keep-Alive", "keep-alive, close",
                         "upgrade", "a\u{01}b", "\t x \t", "x\u{7F}", "01"]

    static func head(_ seed: Int, request: Bool) -> [UInt8] {
        var mix = Mix(state: UInt64(bitPattern: Int64(seed)))
        var text = request ? mix.pick(requestLines) : mix.pick(statusLines)
        for _ in 0..<Int(mix.next() % 6) {
            text += "\r\n" + mix.pick(names) + (mix.chance(95) ? ":" : "") + mix.pick(values)
        }
        text += "\r\n\r\n"
        var bytes = Array(text.utf8)
        if mix.chance(15) { bytes.insert(mix.pick([0x0D, 0x0A, 0x20, 0x09, 0x00]), at: Int(mix.next() % UInt64(bytes.count))) }
        if mix.chance(15) { bytes.removeLast(Int(mix.next() % UInt64(bytes.count))) }
        if mix.chance(10) { bytes += Array("GET /next HTTP/1.1\r\n\r\n".utf8) }
        return bytes
    }

    static func same(_ bytes: [UInt8], _ kind: HTTPHeadParser.Kind, limits: HTTPHeadParser.Limits) -> Bool {
        let fast = Result { () throws(HTTPError) -> HTTPHead? in try HTTPHeadParser(limits: limits).parse(bytes, kind: kind) }
        let reference = Result { () throws(HTTPError) -> ReferenceHeadParser.Head? in
            try ReferenceHeadParser(limits: limits).parse(bytes, kind: kind)
        }
        switch (fast, reference) {
        case let (.failure(a), .failure(b)): return a == b
        case let (.success(a), .success(b)):
            guard let a, let b else { return a == nil && b == nil }
            let summary = ReferenceHeadParser.Head(method: a.method, target: a.target, status: a.status, minorVersion: a.minorVersion,
                                                   framing: a.framing, keepAlive: a.keepAlive, byteCount: a.byteCount,
                                                   fields: a.fields.map { $0.name + ":" + $0.value })
            return summary == b
        default: return false
        }
    }

    @Test("the same head, framing, persistence and error as the reference, for requests and responses")
    func property() async {
        let small = HTTPHeadParser.Limits(maxHeadBytes: 48, maxFields: 3)
        await propertyCheck(count: 3000, input: Gen.int(in: Int.min...Int.max)) { seed in
            let request = Self.head(seed, request: true)
            let response = Self.head(seed, request: false)
            #expect(Self.same(request, .request, limits: .init()), "\(String(decoding: request, as: UTF8.self).debugDescription)")
            #expect(Self.same(request, .request, limits: small), "\(String(decoding: request, as: UTF8.self).debugDescription)")
            #expect(Self.same(response, .response(requestMethod: "GET"), limits: .init()),
                    "\(String(decoding: response, as: UTF8.self).debugDescription)")
            #expect(Self.same(response, .response(requestMethod: "HEAD"), limits: small),
                    "\(String(decoding: response, as: UTF8.self).debugDescription)")
        }
    }

    @Test("every way a head can be split or given as a slice parses the same")
    func slices() throws {
        let text = Array("POST /a HTTP/1.1\r\nContent-Length: 5, 5\r\nConnection: close\r\n\r\nhello".utf8)
        let whole = try #require(try HTTPHeadParser().parse(text, kind: .request))
        #expect(whole.framing == .length(5) && !whole.keepAlive)
        let sliced = try #require(try HTTPHeadParser().parse(([0x41] + text)[1...], kind: .request))
        #expect(sliced == whole)
        let lazy = try #require(try HTTPHeadParser().parse(text.lazy.map { $0 }, kind: .request))
        #expect(lazy == whole)
    }
}
