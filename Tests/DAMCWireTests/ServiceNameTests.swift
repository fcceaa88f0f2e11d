import DAMCWire
import PropertyBased
import Testing

/// Service names (DESIGN.md §3, docs/wire.md §4.1): parsing, the canonical
/// text form, ordering, prefixes, and every rejection with its component.
@Suite("Service names")
struct ServiceNameTests {
    @Test("parsing and canonical text")
    func canonical() throws {
        let cases: [(String, String, Int)] = [
            ("/", "/", 0),
            ("/shop/cart", "/shop/cart", 2),
            ("/pkg.Service/Method", "/pkg.Service/Method", 2),
            ("/a%2fb", "/a%2Fb", 1),             // escaped slash stays inside one component
            ("/%41%62c", "/Abc", 1),             // escapes of unreserved bytes are decoded
            ("/a:b@c", "/a%3Ab%40c", 1),         // pchar sub-delims are allowed raw, escaped canonically
            ("/caf%C3%A9", "/caf%C3%A9", 1),
            ("/~user/x_y-z.1", "/~user/x_y-z.1", 2),
            ("/...", "/...", 1),                 // three dots is an ordinary component
        ]
        for (text, expected, count) in cases {
            let name = try ServiceName(text)
            #expect(name.description == expected, "\(text)")
            #expect(name.count == count, "\(text)")
            #expect(try ServiceName(name.description) == name, "\(text)")
        }
        #expect(try ServiceName("/a%2fb").components == [Array("a/b".utf8)])
    }

    @Test("text rejections name the component and the reason")
    func rejections() {
        let cases: [(String, ServiceNameError)] = [
            ("", .notAbsolute),
            ("shop/cart", .notAbsolute),
            ("//", .emptyComponent(index: 0)),
            ("/a//b", .emptyComponent(index: 1)),
            ("/a/", .emptyComponent(index: 1)),
            ("/a/./b", .dotComponent(index: 1)),
            ("/a/..", .dotComponent(index: 1)),
            ("/%2e%2E", .dotComponent(index: 0)),
            ("/a/b%", .badPercentEscape(component: 1, offset: 1)),
            ("/a%4", .badPercentEscape(component: 0, offset: 1)),
            ("/a%zz", .badPercentEscape(component: 0, offset: 1)),
            ("/x/a%4g", .badPercentEscape(component: 1, offset: 1)),
            ("/a b", .invalidCharacter(component: 0, offset: 1, byte: 0x20)),
            ("/a?b", .invalidCharacter(component: 0, offset: 1, byte: 0x3F)),
            ("/a/é", .invalidCharacter(component: 1, offset: 0, byte: 0xC3)),
            ("/" + String(repeating: "x", count: 256), .componentTooLong(index: 0, length: 256)),
            ("/a/" + String(repeating: "%00", count: 256), .componentTooLong(index: 1, length: 256)),
            (String(repeating: "/c", count: 33), .tooManyComponents(limit: 32)),
            ("/" + String(repeating: "a", count: ServiceName.maxTextLength), .textTooLong(length: ServiceName.maxTextLength + 1, limit: ServiceName.maxTextLength)),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text.prefix(40))") { try ServiceName(text) }
        }
        // Exactly at the limits is fine.
        #expect(throws: Never.self) { try ServiceName(String(repeating: "/c", count: 32)) }
        #expect(throws: Never.self) { try ServiceName("/" + String(repeating: "%FF", count: 255)) }
    }

    @Test("isPrefix matches whole components only")
    func prefixes() throws {
        let a = try ServiceName("/a")
        let ab = try ServiceName("/ab")
        let aB = try ServiceName("/a/b")
        #expect(a.isPrefix(of: aB))
        #expect(a.isPrefix(of: a))
        #expect(!a.isPrefix(of: ab))
        #expect(!aB.isPrefix(of: a))
        #expect(ServiceName.root.isPrefix(of: ab))
        #expect(try ServiceName("/a%2Fb").isPrefix(of: ServiceName("/a/b")) == false)
        #expect(aB.prefix(1) == a)
        #expect(aB.prefix(0) == .root)
        #expect(aB.prefixEnds == [0, 2, 4])
        #expect(try a.appending(Array("b".utf8)) == aB)
    }

    @Test("order is component-wise: shorter component first, then bytes; fewer components first")
    func order() throws {
        let sorted = try ["/", "/a", "/a/b", "/a/c", "/b", "/aa", "/ab/a"].map(ServiceName.init)
        #expect(sorted == sorted.shuffled().sorted())
    }

    static let names = Generator(run: { rng in
        var source = rng
        defer { rng = source }
        return Arbitrary.name(&source, maxComponents: 32)
    })

    @Test("canonical text and wire form round-trip for random names")
    func textRoundTrip() async {
        await propertyCheck(count: 500, input: Self.names) { name in
            #expect((try? ServiceName(name.description)) == name)
            var writer = TLVWriter()
            name.encode(into: &writer)
            var offset = 0
            _ = try? VarNumber.read(writer.bytes, at: &offset, end: writer.bytes.count)
            _ = try? VarNumber.read(writer.bytes, at: &offset, end: writer.bytes.count)
            #expect((try? ServiceName(decoding: writer.bytes, offset..<writer.bytes.count)) == name)
        }
    }

    @Test("isPrefix agrees with comparing component lists")
    func prefixProperty() async {
        await propertyCheck(count: 500, input: Self.names, Gen.int(in: 0...33)) { name, cut in
            let prefix = name.prefix(cut)
            #expect(prefix.isPrefix(of: name))
            #expect(Array(name.components.prefix(cut)) == prefix.components)
            if let extended = try? name.appending([0x7A]) {
                #expect(!extended.isPrefix(of: name))
                #expect(name.isPrefix(of: extended))
            }
        }
    }

    @Test("random text never traps")
    func randomText() async {
        let alphabet = Array("/%aZ09.-_~ é?#2fF".unicodeScalars)
        let generator = Generator(run: { rng in
            String(String.UnicodeScalarView((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }))
        })
        await propertyCheck(count: 2000, input: generator) { text in
            if let name = try? ServiceName(text) {
                #expect((try? ServiceName(name.description)) == name)
            }
        }
    }
}

@Suite("Checksums and identifiers")
struct PrimitiveTests {
    @Test("CRC-32C check value (RFC 3720 B.4)")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum(Array(repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    @Test("IPv6 text follows RFC 5952")
    func ipv6() throws {
        func v6(_ groups: [UInt16]) throws -> String {
            try IPAddress(bytes: groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }).description
        }
        #expect(try v6([0, 0, 0, 0, 0, 0, 0, 1]) == "::1")
        #expect(try v6([0xfe80, 0, 0, 0, 0x1, 0x2, 0x3, 0x4]) == "fe80::1:2:3:4")
        #expect(try v6([1, 0, 0, 2, 0, 0, 0, 3]) == "1:0:0:2::3")
        #expect(try v6([1, 2, 3, 4, 5, 6, 7, 8]) == "1:2:3:4:5:6:7:8")
        #expect(try v6([1, 0, 3, 4, 5, 6, 7, 8]) == "1:0:3:4:5:6:7:8")
        #expect(IPAddress.v4(198, 18, 0, 1).description == "198.18.0.1")
    }

    @Test("frame length for stream receivers")
    func frameLength() throws {
        let hello = Samples.all.first { $0.0 == "Hello" }!.1.encode()
        #expect(try DAMCMessage.frameLength(of: []) == nil)
        #expect(try DAMCMessage.frameLength(of: [0xD1]) == nil)
        #expect(try DAMCMessage.frameLength(of: Array(hello.prefix(2))) == hello.count)
        #expect(try DAMCMessage.frameLength(of: hello + hello) == hello.count)
        #expect(try DAMCMessage.frameLength(of: [0xD1, 253]) == nil)
        #expect(throws: WireError.nonMinimalVarNumber(offset: 1)) { try DAMCMessage.frameLength(of: [0xD1, 253, 0, 1]) }
        #expect(throws: WireError.messageTooLarge(size: 0xFFFF_FFFF + 6, limit: Limits.maxMessageSize)) {
            try DAMCMessage.frameLength(of: [0xD1, 254, 0xFF, 0xFF, 0xFF, 0xFF])
        }
    }
}

@Suite("CRC-32C")
struct CRCTests {
    /// Bitwise CRC-32C straight from the definition: the reference for the
    /// table-driven implementation.
    static func reference(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    @Test("slicing-by-8 equals the bitwise definition, also when split")
    func matchesReference() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 0...100), Gen.int(in: 0...100)) { bytes, cut in
            let split = min(cut, bytes.count)
            #expect(CRC32C.checksum(bytes) == Self.reference(bytes))
            #expect(CRC32C.update(CRC32C.update(0, bytes, 0..<split), bytes, split..<bytes.count) == Self.reference(bytes))
        }
    }
}
