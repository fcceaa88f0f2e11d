import DAMCForwarding
import PropertyBased
import Testing

@Suite("Chunked framing")
struct ChunkedScannerTests {
    /// Encodes `body` in chunks of the given sizes, with an extension and a
    /// trailer sometimes, then appends bytes of the next message.
    static func encode(_ body: [UInt8], sizes: [Int], extensions: Bool, trailer: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        var turn = 0
        while offset < body.count {
            let size = min(max(1, sizes[turn % sizes.count]), body.count - offset)
            out += Array(String(size, radix: 16, uppercase: turn % 2 == 0).utf8)
            if extensions { out += Array(";name=value".utf8) }
            out += [13, 10] + body[offset..<(offset + size)] + [13, 10]
            offset += size
            turn += 1
        }
        out += Array("0\r\n".utf8)
        if trailer { out += Array("Checksum: abc\r\n".utf8) }
        out += [13, 10]
        return out
    }

    @Test("the scanner stops exactly at the end of the body, however the bytes are split")
    func property() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...3000), Gen.int(in: 1...700), Gen.int(in: 1...500), Gen.bool) { length, chunk, split, flag in
            let body = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let encoded = Self.encode(body, sizes: [chunk, chunk / 2 + 1, 7], extensions: flag, trailer: !flag)
            let stream = encoded + Array("GET /next HTTP/1.1\r\n\r\n".utf8)
            var scanner = ChunkedScanner()
            var consumed = 0
            var offset = 0
            while offset < stream.count && !scanner.isDone {
                let piece = Array(stream[offset..<min(stream.count, offset + split)])
                let used = (try? scanner.scan(piece)) ?? -1
                #expect(used >= 0)
                if used < 0 { return }
                consumed += used
                offset += piece.count
            }
            #expect(scanner.isDone)
            #expect(consumed == encoded.count)
        }
    }

    @Test("bulk data skipping agrees with byte scanning")
    func skipping() throws {
        var scanner = ChunkedScanner()
        #expect(try scanner.scan(Array("10\r\n".utf8)) == 4)
        #expect(scanner.dataRemaining == 16)
        scanner.skipData(16)
        #expect(try scanner.scan(Array("\r\n0\r\n\r\nrest".utf8)) == 7)
        #expect(scanner.isDone)
    }

    @Test("malformed framing is refused", arguments: [
        "zz\r\n", "\r\n", "5\r\nhelloX", "5\r\nhello\rX", "12345678901234567\r\n", "5\nhello",
    ])
    func malformed(text: String) {
        var scanner = ChunkedScanner()
        #expect(throws: HTTPError.self) { _ = try scanner.scan(Array(text.utf8)) }
    }

    @Test("a trailer section over its limit is refused")
    func trailerLimit() {
        var scanner = ChunkedScanner()
        let text = "0\r\n" + String(repeating: "X: y\r\n", count: ChunkedScanner.maxTrailerBytes / 4)
        #expect(throws: HTTPError.self) { _ = try scanner.scan(Array(text.utf8)) }
    }
}
