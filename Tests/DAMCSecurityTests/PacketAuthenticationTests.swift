import DAMCRouting
import DAMCSecurity
import DAMCWire
import Testing

/// Two routing engines wired back to back, with a hook on every datagram.
struct AuthPair {
    var a: RoutingNode
    var b: RoutingNode
    var now = Instant.zero
    var inFlight: [(toA: Bool, bytes: [UInt8])] = []

    init(a chainA: KeyChain?, b chainB: KeyChain?) {
        var configA = RoutingConfig(nodeID: try! NodeID("a"), role: .router)
        var configB = RoutingConfig(nodeID: try! NodeID("b"), role: .router)
        configA.authenticator = chainA
        configB.authenticator = chainB
        configA.authSequenceStart = 1_000
        configB.authSequenceStart = 5_000
        a = RoutingNode(config: configA)
        b = RoutingNode(config: configB)
    }

    mutating func collect(_ actions: [RoutingAction], fromA: Bool) {
        for case let .send(_, bytes) in actions { inFlight.append((!fromA, bytes)) }
    }

    mutating func deliver(_ bytes: [UInt8], toA: Bool) {
        if toA { collect(a.handle(.received(1, bytes), now: now), fromA: true) }
        else { collect(b.handle(.received(1, bytes), now: now), fromA: false) }
    }

    mutating func advance(_ duration: Duration, tap: (Bool, [UInt8]) -> Void = { _, _ in }) {
        let end = now + duration
        while now < end {
            now = now + .milliseconds(10)
            collect(a.handle(.tick, now: now), fromA: true)
            collect(b.handle(.tick, now: now), fromA: false)
            var rounds = 0
            while !inFlight.isEmpty && rounds < 10_000 {
                rounds += 1
                let (toA, bytes) = inFlight.removeFirst()
                tap(toA, bytes)
                deliver(bytes, toA: toA)
            }
        }
    }

    mutating func connect() {
        collect(a.handle(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1000)), now: now), fromA: true)
        collect(b.handle(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1000)), now: now), fromA: false)
    }

    var up: Bool {
        a.neighbors.first?.neighbor.state == .up && b.neighbors.first?.neighbor.state == .up
    }
}

/// HMAC trailers on class-2 packets (issue 6): good, bad MAC, unknown key,
/// missing trailer, replay, and a key roll-over without an adjacency flap.
@Suite("Packet authentication: HMAC-SHA256 trailers and key chains")
struct PacketAuthenticationTests {
    static let secret1 = Array("0123456789abcdef-first".utf8)
    static let secret2 = Array("fedcba9876543210-second".utf8)

    static func chain(_ keys: [KeyChain.Key]) -> KeyChain { try! KeyChain(keys) }

    @Test("same key chain: adjacency up, LSDBs in sync, every packet signed and accepted")
    func good() {
        let chain = Self.chain([.init(number: 1, secret: Self.secret1)])
        var pair = AuthPair(a: chain, b: chain)
        pair.connect()
        var unsigned = 0
        pair.advance(.seconds(3)) { _, bytes in
            if (try? DAMCMessage.decode(bytes))?.authTrailer == nil { unsigned += 1 }
        }
        #expect(pair.up)
        #expect(unsigned == 0)
        #expect(pair.a.lsdb.count == 2 && pair.b.lsdb.count == 2)
        for node in [pair.a, pair.b] {
            #expect(node.counters.authBadMAC + node.counters.authReplays + node.counters.authMissing
                    + node.counters.authUnknownKey == 0)
        }
    }

    @Test("a different secret, an unknown key number or no trailer: dropped and counted, no adjacency")
    func refusals() {
        var badMAC = AuthPair(a: Self.chain([.init(number: 1, secret: Self.secret1)]),
                              b: Self.chain([.init(number: 1, secret: Self.secret2)]))
        badMAC.connect()
        badMAC.advance(.seconds(2))
        #expect(!badMAC.up)
        #expect(badMAC.b.counters.authBadMAC > 0 && badMAC.a.counters.authBadMAC > 0)

        var unknown = AuthPair(a: Self.chain([.init(number: 3, secret: Self.secret1)]),
                               b: Self.chain([.init(number: 1, secret: Self.secret1)]))
        unknown.connect()
        unknown.advance(.seconds(2))
        #expect(!unknown.up)
        #expect(unknown.b.counters.authUnknownKey > 0)

        var missing = AuthPair(a: nil, b: Self.chain([.init(number: 1, secret: Self.secret1)]))
        missing.connect()
        missing.advance(.seconds(2))
        #expect(!missing.up)
        #expect(missing.b.counters.authMissing > 0)
    }

    @Test("a replayed packet is dropped and counted; the adjacency is not disturbed")
    func replay() {
        let chain = Self.chain([.init(number: 1, secret: Self.secret1)])
        var pair = AuthPair(a: chain, b: chain)
        pair.connect()
        var captured: [[UInt8]] = []
        pair.advance(.seconds(2)) { toA, bytes in if !toA { captured.append(bytes) } }
        #expect(pair.up)
        let before = pair.b.counters
        for bytes in captured.suffix(5) { pair.deliver(bytes, toA: false) }
        #expect(pair.b.counters.authReplays == before.authReplays + 5)
        #expect(pair.b.counters.hellosReceived == before.hellosReceived)
        pair.advance(.seconds(1))
        #expect(pair.up)
        #expect(pair.b.counters.adjacenciesDown == 0)
    }

    @Test("key roll-over in three steps never drops a packet or the adjacency")
    func rollOver() {
        let old = Self.chain([.init(number: 1, secret: Self.secret1)])
        var pair = AuthPair(a: old, b: old)
        pair.connect()
        pair.advance(.seconds(2))
        #expect(pair.up)
        // 1. Add key 2, accept only, everywhere.
        let both = Self.chain([.init(number: 1, secret: Self.secret1),
                               .init(number: 2, secret: Self.secret2, send: false)])
        pair.a.updateAuthentication(both)
        pair.b.updateAuthentication(both)
        pair.advance(.seconds(1))
        // 2. Send with key 2, one node after the other.
        let sendNew = Self.chain([.init(number: 1, secret: Self.secret1, send: false),
                                  .init(number: 2, secret: Self.secret2)])
        var keysSeen: Set<UInt16> = []
        pair.a.updateAuthentication(sendNew)
        pair.advance(.seconds(1)) { _, bytes in
            if let key = (try? DAMCMessage.decode(bytes))?.authTrailer?.keyNumber { keysSeen.insert(key) }
        }
        #expect(keysSeen == [1, 2])
        pair.b.updateAuthentication(sendNew)
        pair.advance(.seconds(1))
        // 3. Drop key 1.
        let new = Self.chain([.init(number: 2, secret: Self.secret2)])
        pair.a.updateAuthentication(new)
        pair.b.updateAuthentication(new)
        pair.advance(.seconds(2))
        #expect(pair.up)
        for node in [pair.a, pair.b] {
            #expect(node.counters.adjacenciesDown == 0)
            #expect(node.counters.authBadMAC + node.counters.authUnknownKey + node.counters.authReplays == 0)
        }
    }

    @Test("a chain refuses short secrets, duplicate numbers, two send keys and emptiness")
    func chainRules() {
        #expect(throws: CryptoError.self) { try KeyChain([.init(number: 1, secret: [1, 2, 3])]) }
        #expect(throws: CryptoError.self) { try KeyChain([.init(number: 1, secret: Self.secret1), .init(number: 1, secret: Self.secret2, send: false)]) }
        #expect(throws: CryptoError.self) { try KeyChain([.init(number: 1, secret: Self.secret1), .init(number: 2, secret: Self.secret2)]) }
        #expect(throws: CryptoError.self) { try KeyChain([]) }
        #expect(HMACSHA256.mac(key: Array("key".utf8), data: Array("The quick brown fox jumps over the lazy dog".utf8)[...])
                == [0xf7, 0xbc, 0x83, 0xf4, 0x30, 0x53, 0x84, 0x24, 0xb1, 0x32, 0x98, 0xe6, 0xaa, 0x6f, 0xb1, 0x43,
                    0xef, 0x4d, 0x59, 0xa1, 0x49, 0x46, 0x17, 0x59, 0x97, 0x47, 0x9d, 0xbc, 0x2d, 0x1a, 0x3c, 0xd8])
    }
}
