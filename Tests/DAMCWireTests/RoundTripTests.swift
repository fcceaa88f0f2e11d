import DAMCWire
import PropertyBased
import Testing

/// docs/wire.md §2: encode then decode gives the value back; decode then
/// encode gives the bytes back (accepted encodings are canonical).
@Suite("Round trip")
struct RoundTripTests {
    @Test("every message type survives encode/decode", arguments: MessageType.allCases)
    func messageRoundTrip(type: MessageType) async {
        await propertyCheck(count: 300, input: Arbitrary.generator(type)) { message in
            let bytes = message.encode()
            #expect(bytes.count <= Limits.maxMessageSize)
            let decoded = try? DAMCMessage.decode(bytes)
            #expect(decoded == message)
            #expect(decoded?.messageType == type)
            #expect(decoded?.encode() == bytes)
        }
    }

    @Test("a standalone LSA survives encode/decode and keeps its checksum")
    func lsaRoundTrip() async {
        let generator = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return Arbitrary.lsa(&source)
        })
        await propertyCheck(count: 300, input: generator) { lsa in
            let bytes = lsa.encode()
            var offset = 0
            _ = try? VarNumber.read(bytes, at: &offset, end: bytes.count)
            _ = try? VarNumber.read(bytes, at: &offset, end: bytes.count)
            let decoded = try? LSA(decoding: bytes, offset..<bytes.count)
            #expect(decoded == lsa)
            #expect(decoded?.encode() == bytes)
            #expect(decoded?.header.checksum == lsa.checksum)
        }
    }

    @Test("aging an LSA changes its bytes but not its checksum")
    func lifetimeOutsideChecksum() async {
        let generator = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return Arbitrary.lsa(&source)
        })
        await propertyCheck(count: 100, input: generator) { lsa in
            var aged = lsa
            aged.lifetime = lsa.lifetime == 0 ? 3600 : lsa.lifetime / 2
            #expect(aged.checksum == lsa.checksum)
            var resequenced = lsa
            resequenced.sequence = lsa.sequence == UInt64.max ? 1 : lsa.sequence + 1
            #expect(resequenced.checksum != lsa.checksum)
        }
    }

    @Test("variable-length numbers round-trip at every width boundary")
    func varNumberBoundaries() throws {
        let values: [UInt64] = [0, 1, 252, 253, 254, 255, 0xFFFF, 0x1_0000, 0xFFFF_FFFF, 0x1_0000_0000, .max]
        for value in values {
            var bytes: [UInt8] = []
            VarNumber.write(value, into: &bytes)
            #expect(bytes.count == VarNumber.size(of: value))
            var offset = 0
            #expect(try VarNumber.read(bytes, at: &offset, end: bytes.count) == value)
            #expect(offset == bytes.count)
        }
    }

    @Test("random var-numbers round-trip")
    func varNumberProperty() async {
        await propertyCheck(count: 1000, input: Gen.uint64()) { value in
            var bytes: [UInt8] = []
            VarNumber.write(value, into: &bytes)
            var offset = 0
            #expect((try? VarNumber.read(bytes, at: &offset, end: bytes.count)) == value)
        }
    }
}
