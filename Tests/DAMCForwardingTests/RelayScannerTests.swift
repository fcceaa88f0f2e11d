import DAMCForwarding
import DAMCWire
import PropertyBased
import Testing

@Suite("Relay scanner: where a relayed call's return bytes end")
struct RelayScannerTests {
    /// A reply, DATA frames of the given sizes, END (docs/wire.md §5.8).
    static func call(reply: ForwardReply, frames: [Int]) -> [UInt8] {
        var out = reply.encode()
        for (index, size) in frames.enumerated() {
            out += [UInt8(size >> 24 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size & 0xFF)]
            out += (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ index) }
        }
        return out + [0, 0, 0, 0]
    }

    /// Feeds `stream` in pieces of `split` bytes; the bytes the scanner
    /// claims and whether it finished.
    static func feed(_ stream: [UInt8], split: Int) -> (consumed: Int, scanner: RelayScanner)? {
        var scanner = RelayScanner(replyLimit: 16_384)
        var consumed = 0
        var offset = 0
        while offset < stream.count && scanner.phase != .done {
            let piece = stream[offset..<min(stream.count, offset + split)]
            guard let used = try? scanner.scan(piece) else { return nil }
            consumed += used
            offset += piece.count
        }
        return (consumed, scanner)
    }

    @Test("it stops exactly after END, however the bytes are split")
    func property() async throws {
        let node = try NodeID("sr1")
        await propertyCheck(count: 200, input: Gen.int(in: 0...5), Gen.int(in: 1...2000), Gen.int(in: 1...300)) { count, size, split in
            let frames = (0..<count).map { max(1, (size * ($0 + 1)) % 2001) }
            let bytes = Self.call(reply: ForwardReply(status: .connected, node: node), frames: frames)
            let stream = bytes + Array("next call".utf8)
            let result = Self.feed(stream, split: split)
            #expect(result?.consumed == bytes.count)
            #expect(result?.scanner.phase == .done)
            #expect(result?.scanner.failed == false)
        }
    }

    @Test("a failed reply ends the call at the reply")
    func failed() throws {
        let reply = ForwardReply(status: .failed, node: try NodeID("sr2"), reason: .noRoute, reasonText: "no route to /x at sr2")
        for split in [1, 3, 16, 1000] {
            let result = Self.feed(reply.encode() + [9, 9, 9], split: split)
            #expect(result?.consumed == reply.encode().count)
            #expect(result?.scanner.failed == true && result?.scanner.phase == .done)
        }
    }

    @Test("a reply that is not one, or too large, is refused")
    func malformed() throws {
        var scanner = RelayScanner(replyLimit: 16_384)
        #expect(throws: (any Error).self) { try scanner.scan(ArraySlice([UInt8](repeating: 0xFF, count: 40))) }
        let header = ForwardHeader(name: try ServiceName("/a"), flowID: 1, hopLimit: 3, origin: try NodeID("sg1"))
        var other = RelayScanner(replyLimit: 16_384)
        #expect(throws: (any Error).self) { try other.scan(ArraySlice(header.encode())) }
        let big = ForwardReply(status: .failed, node: try NodeID("sr2"), reason: .noRoute,
                               reasonText: String(repeating: "x", count: 300))
        var small = RelayScanner(replyLimit: 64)
        #expect(throws: (any Error).self) { try small.scan(ArraySlice(big.encode())) }
    }
}
