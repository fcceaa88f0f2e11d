import DAMCForwarding
import PropertyBased
import Testing

@Suite("Multiplexed hop frames")
struct MuxFrameTests {
    /// Reads every frame out of `stream` fed in pieces of `split` bytes, as
    /// a loop does: frames come out whole and in order, nothing is lost.
    static func read(_ stream: [UInt8], split: Int) throws(MuxFrameError) -> [(UInt32, [UInt8])] {
        var frames: [(UInt32, [UInt8])] = []
        var input: [UInt8] = []
        var offset = 0
        while offset < stream.count {
            input += stream[offset..<min(stream.count, offset + split)]
            offset += split
            while let frame = try input.withUnsafeBufferPointer({ bytes throws(MuxFrameError) in try MuxFrame.next(in: bytes) }) {
                frames.append((frame.stream, Array(input[frame.body])))
                input.removeFirst(frame.body.upperBound)
            }
        }
        #expect(input.isEmpty)
        return frames
    }

    @Test("frames come back whole and in order, however the bytes are split")
    func property() async {
        await propertyCheck(count: 300, input: Gen.int(in: 1...40), Gen.int(in: 1...3000), Gen.int(in: 1...900)) { count, size, split in
            let sent = (0..<count).map { index -> (UInt32, [UInt8]) in
                let length = 1 + (index * 7919 + size) % size
                return (UInt32(truncatingIfNeeded: index &* 2_654_435_761) | 1, (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ index) })
            }
            let stream = sent.flatMap { MuxFrame.encode(stream: $0.0, body: $0.1) }
            let received = try? Self.read(stream, split: split)
            #expect(received?.map(\.0) == sent.map(\.0))
            #expect(received?.map(\.1) == sent.map(\.1))
        }
    }

    @Test("a header that cannot be valid is refused once it is complete, before its body")
    func malformed() {
        func next(_ bytes: [UInt8], limit: Int = MuxFrame.maxBody) -> Result<(stream: UInt32, body: Range<Int>)?, MuxFrameError> {
            bytes.withUnsafeBufferPointer { buffer in
                Result { () throws(MuxFrameError) in try MuxFrame.next(in: buffer, limit: limit) }
            }
        }
        #expect(throws: MuxFrameError.zeroStream) { try next([0, 0, 0, 0, 0, 0, 0, 1, 9]).get() }
        #expect(throws: MuxFrameError.emptyBody(stream: 3)) { try next([0, 0, 0, 3, 0, 0, 0, 0]).get() }
        #expect(throws: MuxFrameError.tooLarge(stream: 1, length: 0x7FFF_FFFF, limit: MuxFrame.maxBody)) {
            try next([0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF]).get()
        }
        #expect(throws: MuxFrameError.tooLarge(stream: 2, length: 11, limit: 10)) { try next([0, 0, 0, 2, 0, 0, 0, 11], limit: 10).get() }
        // Incomplete: the header, or the body, not all here yet.
        func incomplete(_ bytes: [UInt8]) -> Bool { if case .success(nil) = next(bytes) { true } else { false } }
        #expect(incomplete([0, 0, 0, 1, 0, 0]))
        #expect(incomplete([0, 0, 0, 1, 0, 0, 0, 3, 1, 2]))
        guard case let .success(whole?) = next([0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 9]) else {
            Issue.record("a whole frame not read")
            return
        }
        #expect(whole.stream == 1 && whole.body == 8..<11)
    }
}
