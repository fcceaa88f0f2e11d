import DAMCWire
import PropertyBased
import Testing

/// docs/wire.md §7: every malformed input gets the typed error that says
/// what is wrong, and nothing traps.
@Suite("Malformed input")
struct MalformedInputTests {
    static let vectors: [(String, [UInt8])] = Samples.all.map { ($0.0, $0.1.encode()) }

    @Test("truncation at every byte of every vector", arguments: Samples.all.map { $0.0 })
    func truncation(name: String) throws {
        let bytes = try #require(Self.vectors.first { $0.0 == name }?.1)
        for cut in 0..<bytes.count {
            let error = Craft.error(Array(bytes[0..<cut]))
            switch error {
            case .truncated?, .lengthOverrun?: continue
            default: Issue.record("cut at \(cut) of \(name): expected truncated/lengthOverrun, got \(String(describing: error))")
            }
        }
    }

    @Test("outer length too long, too short, or not minimal")
    func outerLengthLies() throws {
        let hello = Craft.message(.hello, Craft.helloHead)
        #expect(Craft.error(hello) == nil)
        let value = Array(hello[2...])
        #expect(Craft.error(Craft.lying(0xD1, length: UInt64(value.count + 1), value))
            == .lengthOverrun(offset: 1, type: 0xD1, length: UInt64(value.count + 1), available: value.count))
        #expect(Craft.error(Craft.lying(0xD1, length: UInt64(value.count - 1), value))
            == .trailingBytes(offset: value.count + 1, count: 1))
        #expect(Craft.error([0xD1, 253, 0, UInt8(value.count)] + value) == .nonMinimalVarNumber(offset: 1))
        #expect(Craft.error([0xD1, 253, 0]) == .truncated(offset: 1, needed: 3, available: 2))
    }

    @Test("a nested length may not run past its parent, even if the buffer goes on")
    func nestedOverrun() {
        // NodeID claims 16 bytes; the message has that many, the element does not.
        let bad = Craft.message(.hello, Craft.lying(0x05, length: 30, Array("sr1".utf8)), Craft.helloHead.dropFirst(5).map { $0 })
        if case .lengthOverrun(_, let type, 30, _)? = Craft.error(bad) {
            #expect(type == ElementType.nodeID.rawValue)
        } else {
            Issue.record("expected a length overrun, got \(String(describing: Craft.error(bad)))")
        }
        // An LSA whose inner NodeID claims more than the LSA holds while an
        // extension element follows the LSA inside the update.
        let lsaValue = Craft.lying(0x05, length: 10, Array("sr1".utf8))
        let update = Craft.message(.linkStateUpdate, Craft.text(.nodeID, "sr1"), Craft.tlv(.lsa, lsaValue),
                                   Craft.tlv(0xF8, Array(repeating: 0, count: 20)))
        #expect(Craft.error(update) == .lengthOverrun(offset: 11, type: 5, length: 10, available: 3))
        // A name component that claims more than the name holds.
        let name = Craft.tlv(.name, Craft.lying(0x03, length: 9, Array("ab".utf8)))
        let announce = Craft.message(.prefixAnnounce, Craft.int(.requestID, 1), Craft.text(.podID, "p"), name,
                                     Craft.tlv(.endpoint, Craft.tlv(.address, [127, 0, 0, 1]) + Craft.int(.port, 80)),
                                     Craft.int(.weight, 1))
        if case .lengthOverrun(_, 3, 9, 2)? = Craft.error(announce) {} else {
            Issue.record("expected component overrun, got \(String(describing: Craft.error(announce)))")
        }
    }

    @Test("trailing garbage after a message")
    func trailingGarbage() {
        for (name, bytes) in Self.vectors {
            #expect(Craft.error(bytes + [0]) == .trailingBytes(offset: bytes.count, count: 1), "\(name)")
        }
    }

    @Test("counts over the limits")
    func countsOverLimits() {
        let neighbors = (0...Limits.maxHelloNeighbors).flatMap { Craft.text(.neighbor, "n\($0)") }
        #expect(Craft.error(Craft.message(.hello, Craft.helloHead, neighbors))
            == .tooMany(what: "Neighbor in Hello", count: Limits.maxHelloNeighbors + 1, limit: Limits.maxHelloNeighbors))
        #expect(Craft.error(Craft.message(.linkStateUpdate, Craft.text(.nodeID, "sr1")))
            == .tooFew(what: "LSA in LinkStateUpdate", count: 0, minimum: 1))
        let path = Craft.tlv(.path, (0...Limits.maxPathHops).flatMap { Craft.text(.nodeID, "n\($0)") })
        let policy = Craft.message(.policyInstall, Craft.int(.policyID, 1), Craft.int(.policyVersion, 1),
                                   Craft.text(.nodeID, "scsc"), Craft.tlv(.match, Craft.name([[0x41]])),
                                   Craft.tlv(.action, path), Craft.int(.lifetime, 30))
        #expect(Craft.error(policy) == .tooMany(what: "NodeID in Path", count: Limits.maxPathHops + 1, limit: Limits.maxPathHops))
    }

    @Test("names over the limits on the wire")
    func wireNameLimits() {
        func announce(_ name: [UInt8]) -> [UInt8] {
            Craft.message(.prefixAnnounce, Craft.int(.requestID, 1), Craft.text(.podID, "p"), name,
                          Craft.tlv(.endpoint, Craft.tlv(.address, [127, 0, 0, 1]) + Craft.int(.port, 80)),
                          Craft.int(.weight, 1))
        }
        #expect(Craft.error(announce(Craft.name([[0x41]]))) == nil)
        #expect(Craft.error(announce(Craft.name(Array(repeating: [0x41], count: 33))))
            == .invalidName(.tooManyComponents(limit: 32)))
        #expect(Craft.error(announce(Craft.name([[0x41], Array(repeating: 0x41, count: 256)])))
            == .invalidName(.componentTooLong(index: 1, length: 256)))
        #expect(Craft.error(announce(Craft.name([[0x41], []]))) == .invalidName(.emptyComponent(index: 1)))
        #expect(Craft.error(announce(Craft.name([[0x2E, 0x2E]]))) == .invalidName(.dotComponent(index: 0)))
        #expect(Craft.error(announce(Craft.tlv(.name, Craft.tlv(0x04, [0x41])))) == .invalidName(.unexpectedElement(type: 4)))
    }

    @Test("unknown critical elements are errors, unknown non-critical ones are kept")
    func unknownElements() throws {
        let critical = Craft.message(.hello, Craft.helloHead, Craft.tlv(0x2_0001, [1, 2]))
        #expect(Craft.error(critical) == .unknownCriticalElement(type: 0x2_0001, in: "Hello"))
        let kept = Craft.message(.hello, Craft.helloHead, Craft.tlv(0x2_0000, [1, 2]), Craft.tlv(0xFA, []))
        guard case let .hello(hello) = try DAMCMessage.decode(kept) else {
            Issue.record("not a hello")
            return
        }
        #expect(hello.extensions == [RawElement(type: 0x2_0000, value: [1, 2]), RawElement(type: 0xFA, value: [])])
        #expect(hello.encode() == kept)
        // At most Limits.maxExtensions kept per element.
        let many = (0...Limits.maxExtensions).flatMap { _ in Craft.tlv(0xFA, [7]) }
        #expect(Craft.error(Craft.message(.hello, Craft.helloHead, many))
            == .tooMany(what: "extensions in Hello", count: Limits.maxExtensions + 1, limit: Limits.maxExtensions))
        // A known element after an extension would make two encodings of one value.
        let late = Craft.message(.hello, Craft.text(.nodeID, "sr1"), Craft.tlv(0xFA, []),
                                 Craft.helloHead.dropFirst(5).map { $0 })
        #expect(Craft.error(late) == .elementOutOfOrder(type: ElementType.role.rawValue, in: "Hello"))
        // ... except the trailer, which always comes last.
        let trailer = Craft.tlv(.authTrailer, Craft.int(.keyNumber, 1) + Craft.int(.authSequence, 1) + Craft.tlv(.mac, [9]))
        #expect(Craft.error(Craft.message(.hello, Craft.helloHead, Craft.tlv(0xFA, []), trailer)) == nil)
        #expect(Craft.error(Craft.message(.hello, Craft.helloHead, trailer, Craft.tlv(0xFA, [])))
            == .elementOutOfOrder(type: 0xFA, in: "Hello"))
    }

    @Test("elements missing, duplicated, out of order, of type 0")
    func structure() {
        #expect(Craft.error(Craft.message(.hello, Craft.text(.nodeID, "sr1")))
            == .missingElement(type: ElementType.role.rawValue, in: "Hello"))
        #expect(Craft.error(Craft.message(.hello, Craft.text(.nodeID, "sr1"), Craft.text(.nodeID, "sr2")))
            == .duplicateElement(type: ElementType.nodeID.rawValue, in: "Hello"))
        #expect(Craft.error(Craft.message(.hello, Craft.int(.role, 2), Craft.text(.nodeID, "sr1")))
            == .elementOutOfOrder(type: ElementType.nodeID.rawValue, in: "Hello"))
        #expect(Craft.error(Craft.message(.hello, Craft.tlv(0, [])))
            == .invalidType(offset: 3, type: 0))
        #expect(Craft.error(Craft.message(.hello, [255, 0, 0, 0, 1, 0, 0, 0, 0, 0]))
            == .invalidType(offset: 3, type: 1 << 32))
    }

    @Test("header: unknown type, other version, empty value, too large")
    func header() {
        #expect(Craft.error(Craft.tlv(0x99, [1])) == .unknownMessageType(0x99))
        #expect(Craft.error(Craft.tlv(0xD1, [2] + Craft.helloHead)) == .unsupportedVersion(2))
        #expect(Craft.error(Craft.tlv(0xD1, [])) == .truncated(offset: 2, needed: 1, available: 0))
        #expect(Craft.error([]) == .truncated(offset: 0, needed: 1, available: 0))
        let huge = [UInt8](repeating: 0, count: Limits.maxMessageSize + 1)
        #expect(Craft.error(huge) == .messageTooLarge(size: Limits.maxMessageSize + 1, limit: Limits.maxMessageSize))
    }

    @Test("integers: wrong width, not shortest, over the field's range")
    func integers() {
        func hello(role: [UInt8]) -> [UInt8] {
            Craft.message(.hello, Craft.text(.nodeID, "sr1"), role, Craft.int(.helloInterval, 1000),
                          Craft.int(.deadInterval, 4000), Craft.int(.flags, 0))
        }
        #expect(Craft.error(hello(role: Craft.tlv(.role, [0, 2])))
            == .invalidValue(what: "Role in Hello", reason: "integer not in its shortest form"))
        #expect(Craft.error(hello(role: Craft.tlv(.role, [0, 0, 2])))
            == .invalidLength(what: "Role in Hello", length: 3, allowed: "1, 2, 4 or 8"))
        #expect(Craft.error(hello(role: Craft.tlv(.role, []))) == .invalidLength(what: "Role in Hello", length: 0, allowed: "1, 2, 4 or 8"))
        #expect(Craft.error(hello(role: Craft.int(.role, 9)))
            == .invalidValue(what: "Role in Hello", reason: "unknown role 9"))
        let port = Craft.tlv(.endpoint, Craft.tlv(.address, [127, 0, 0, 1]) + Craft.int(.port, 70000))
        let withdraw = Craft.message(.prefixWithdraw, Craft.int(.requestID, 1), Craft.text(.podID, "p"),
                                     Craft.name([[0x41]]), port)
        #expect(Craft.error(withdraw) == .invalidValue(what: "Port in Endpoint", reason: "70000 is over the maximum 65535"))
    }

    @Test("field-level rules: identifiers, addresses, nonces, MACs, intervals, validity, status")
    func fieldRules() throws {
        func helloFrom(_ id: String) -> [UInt8] {
            Craft.message(.hello, Craft.text(.nodeID, id), Craft.int(.role, 2), Craft.int(.helloInterval, 1000),
                          Craft.int(.deadInterval, 4000), Craft.int(.flags, 0))
        }
        if case .invalidIdentifier("node id", _)? = Craft.error(helloFrom("")) {} else { Issue.record("empty id accepted") }
        if case .invalidIdentifier("node id", _)? = Craft.error(helloFrom("a b")) {} else { Issue.record("space accepted") }
        if case .invalidIdentifier("node id", _)? = Craft.error(helloFrom("..")) {} else { Issue.record("'..' accepted") }
        if case .invalidIdentifier("node id", _)? = Craft.error(helloFrom(String(repeating: "a", count: 65))) {} else {
            Issue.record("65-byte id accepted")
        }
        let shortInterval = Craft.message(.hello, Craft.text(.nodeID, "sr1"), Craft.int(.role, 2),
                                          Craft.int(.helloInterval, 1000), Craft.int(.deadInterval, 999), Craft.int(.flags, 0))
        if case .invalidValue("DeadInterval in Hello", _)? = Craft.error(shortInterval) {} else {
            Issue.record("dead < hello accepted")
        }
        let badAddress = Craft.message(.prefixWithdraw, Craft.int(.requestID, 1), Craft.text(.podID, "p"), Craft.name([[0x41]]),
                                       Craft.tlv(.endpoint, Craft.tlv(.address, [1, 2, 3, 4, 5]) + Craft.int(.port, 80)))
        #expect(Craft.error(badAddress) == .invalidLength(what: "Address", length: 5, allowed: "4 or 16"))
        let shortNonce = AuthGrant(requestID: 1, nonce: [1, 2, 3, 4, 5, 6, 7], grant: Samples.grant).encode()
        #expect(Craft.error(shortNonce) == .invalidLength(what: "Nonce in AuthGrant", length: 7, allowed: "8...64"))
        let longMAC = Craft.tlv(.authTrailer, Craft.int(.keyNumber, 1) + Craft.int(.authSequence, 1)
            + Craft.tlv(.mac, Array(repeating: 0, count: 65)))
        #expect(Craft.error(Craft.message(.hello, Craft.helloHead, longMAC))
            == .invalidLength(what: "MAC in AuthTrailer", length: 65, allowed: "1...64"))
        var grant = Samples.grant
        grant.notAfter = grant.notBefore - 1
        let backwards = AuthGrant(requestID: 1, nonce: Samples.nonce, grant: grant).encode()
        if case .invalidValue("Grant validity", _)? = Craft.error(backwards) {} else {
            Issue.record("grant ending before it starts accepted")
        }
        let deniedWithoutReason = Craft.message(.prefixAnswer, Craft.int(.requestID, 1), Craft.name([[0x41]]),
                                                Craft.int(.answerStatus, 1))
        #expect(Craft.error(deniedWithoutReason)
            == .missingElement(type: ElementType.reasonCode.rawValue, in: "PrefixAnswer (denied)"))
        let badUTF8 = Craft.message(.policyAck, Craft.int(.policyID, 1), Craft.int(.policyVersion, 1),
                                    Craft.text(.nodeID, "sr1"), Craft.int(.policyStatus, 0), Craft.tlv(.reasonText, [0xC3]))
        #expect(Craft.error(badUTF8) == .invalidValue(what: "ReasonText in PolicyAck", reason: "not valid UTF-8"))
        let emptyAction = Craft.message(.policyInstall, Craft.int(.policyID, 1), Craft.int(.policyVersion, 1),
                                        Craft.text(.nodeID, "scsc"), Craft.tlv(.match, Craft.name([[0x41]])),
                                        Craft.tlv(.action, []), Craft.int(.lifetime, 30))
        #expect(Craft.error(emptyAction) == .invalidValue(what: "Action", reason: "names no path, gateway or instance"))
        // Multiplexed hops (§5.9): a parked answer needs its token; a resume
        // call needs the token and the gateway that holds the response.
        let parkedWithoutToken = Craft.message(.forwardReply, Craft.int(.forwardStatus, 3), Craft.text(.nodeID, "sg3"))
        #expect(Craft.error(parkedWithoutToken)
            == .missingElement(type: ElementType.resumeToken.rawValue, in: "ForwardReply (parked)"))
        let resumeWithoutToken = Craft.message(.forwardHeader, Craft.name([[0x42]]), Craft.int(.flowID, 1), Craft.int(.hopLimit, 4),
                                               Craft.text(.nodeID, "sg1"), Craft.int(.applicationProtocol, 3),
                                               Craft.text(.targetGateway, "sg3"))
        #expect(Craft.error(resumeWithoutToken)
            == .missingElement(type: ElementType.resumeToken.rawValue, in: "ForwardHeader (resume)"))
        let resumeWithoutGateway = Craft.message(.forwardHeader, Craft.name([[0x42]]), Craft.int(.flowID, 1), Craft.int(.hopLimit, 4),
                                                 Craft.text(.nodeID, "sg1"), Craft.int(.applicationProtocol, 3),
                                                 Craft.int(.resumeToken, 9))
        #expect(Craft.error(resumeWithoutGateway)
            == .missingElement(type: ElementType.targetGateway.rawValue, in: "ForwardHeader (resume)"))
    }

    @Test("LSA: checksum, body/type mismatch, size limit, sequence 0")
    func lsaRules() throws {
        var bytes = LinkStateUpdate(sender: try NodeID("sr1"), lsas: [Samples.adjacencyLSA]).encode()
        // Flip "sg1" (an adjacency's neighbour) to "sg2": still well formed, wrong checksum.
        let index = try #require(bytes.indices.first { bytes[$0...].starts(with: Array("sg1".utf8)) })
        bytes[index + 2] = UInt8(ascii: "2")
        if case .checksumMismatch(let carried, _)? = Craft.error(bytes) {
            #expect(carried == Samples.adjacencyLSA.checksum)
        } else {
            Issue.record("tampered LSA accepted: \(String(describing: Craft.error(bytes)))")
        }
        let prefixWithFlags = Craft.tlv(.lsa, Craft.text(.nodeID, "sg1") + Craft.int(.lsaType, 2) + Craft.int(.lsaFragment, 0)
            + Craft.int(.lsaSequence, 1) + Craft.int(.lsaLifetime, 3600) + Craft.tlv(.lsaChecksum, [0, 0, 0, 0]) + Craft.int(.flags, 1))
        #expect(Craft.error(Craft.message(.linkStateUpdate, Craft.text(.nodeID, "sg1"), prefixWithFlags))
            == .invalidValue(what: "LSA (prefix)", reason: "holds node Flags"))
        let zeroSequence = Craft.tlv(.lsa, Craft.text(.nodeID, "sg1") + Craft.int(.lsaType, 1) + Craft.int(.lsaFragment, 0)
            + Craft.int(.lsaSequence, 0) + Craft.int(.lsaLifetime, 3600) + Craft.tlv(.lsaChecksum, [0, 0, 0, 0]) + Craft.int(.flags, 0))
        #expect(Craft.error(Craft.message(.linkStateUpdate, Craft.text(.nodeID, "sg1"), zeroSequence))
            == .invalidValue(what: "LSASequence in LSA", reason: "0 is not a valid sequence number"))
        let oversized = Craft.tlv(.lsa, Array(repeating: 0, count: Limits.maxLSASize + 1))
        #expect(Craft.error(Craft.message(.linkStateUpdate, Craft.text(.nodeID, "sg1"), oversized))
            == .invalidLength(what: "LSA", length: Limits.maxLSASize + 1, allowed: "0...\(Limits.maxLSASize)"))
        let badType = Craft.tlv(.lsaKey, Craft.text(.nodeID, "sg1") + Craft.int(.lsaType, 7) + Craft.int(.lsaFragment, 0))
        #expect(Craft.error(Craft.message(.linkStateRequest, Craft.text(.nodeID, "sg1"), badType))
            == .invalidValue(what: "LSAType in LSAKey", reason: "unknown LSA type 7"))
    }

    /// Inputs the fuzzer (Fuzz/run.sh) found to crash, kept as regressions.
    @Test("fuzzer findings")
    func fuzzerFindings() {
        // 2026-11-23: a 9-byte TLV-LENGTH near 2^64 overflowed the size
        // reported by frameLength(of:) (trap on Int overflow).
        let hugeLength = [UInt8](repeating: 0xFF, count: 18)
        #expect(throws: WireError.messageTooLarge(size: Int.max, limit: Limits.maxMessageSize)) {
            try DAMCMessage.frameLength(of: hugeLength)
        }
        #expect(Craft.error(hugeLength) == .lengthOverrun(offset: 9, type: .max, length: .max, available: 0))
        // 2026-11-24: a LinkStateAck whose LSAHeader held an unknown
        // non-critical element (0x36) decoded, dropping it, so the message
        // re-encoded to other bytes. Key and header now refuse extensions.
        let ack: [UInt8] = [
            0xd3, 0x65, 0x01, 0x05, 0x03, 0x73, 0x72, 0x32, 0x45, 0x32, 0x05, 0x03, 0x73, 0x72, 0x30, 0x3b,
            0x01, 0x01, 0x3d, 0x01, 0x00, 0x3f, 0x01, 0x07, 0x41, 0x02, 0x0e, 0x10, 0x43, 0x04, 0x9a, 0xd9,
            0x80, 0x01, 0x36, 0x18, 0x05, 0x03, 0x73, 0x67, 0x34, 0x3b, 0x01, 0x02, 0x3d, 0x3a, 0x00, 0x3f,
            0x01, 0x03, 0x41, 0x02, 0x0e, 0x10, 0x43, 0x04, 0xa4, 0xbf, 0xa4, 0x37, 0x53, 0x29, 0x55, 0x01,
            0x01, 0x57, 0x02, 0x03, 0xe8, 0x59, 0x20,
        ] + [UInt8](repeating: 0xab, count: 22) + [0xaa] + [UInt8](repeating: 0xab, count: 9)
        #expect(throws: WireError.self) { try DAMCMessage.decode(ack) }
        if let decoded = try? DAMCMessage.decode(ack) { #expect(decoded.encode() == ack) }
    }

    @Test("random bytes never trap, and whatever decodes is canonical")
    func randomBytes() async {
        await propertyCheck(count: 3000, input: Gen.uint8().array(of: 0...300)) { bytes in
            if let message = try? DAMCMessage.decode(bytes) {
                #expect(message.encode() == bytes)
            }
        }
    }

    @Test("mutated vectors never trap, and whatever decodes is canonical")
    func mutatedVectors() async {
        let vectors = Self.vectors.map { $0.1 }
        let generator = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            var bytes = vectors.randomElement(using: &source)!
            for _ in 0..<Int.random(in: 1...4, using: &source) {
                let position = Int.random(in: 0..<bytes.count, using: &source)
                switch Int.random(in: 0...3, using: &source) {
                case 0: bytes[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &source)
                case 1: bytes[position] = UInt8.random(in: 0...255, using: &source)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &source), at: position)
                default: if bytes.count > 1 { bytes.remove(at: position) }
                }
            }
            return bytes
        })
        await propertyCheck(count: 5000, input: generator) { bytes in
            if let message = try? DAMCMessage.decode(bytes) {
                #expect(message.encode() == bytes)
            }
        }
    }
}
