import DAMCSecurity
import DAMCWire
import PropertyBased
import Testing

/// Grant signing and verification (issue 6): good, expired, not yet valid,
/// unknown key id, one flipped bit anywhere, wrong gateway, wrong prefix.
@Suite("Grants: Ed25519 signing and verification")
struct GrantTests {
    static let spaKey = try! Ed25519PrivateKey()
    static let signer = GrantSigner(keyID: try! KeyID("spa-2026"), key: spaKey)
    static let verifier = GrantVerifier(keys: [try! KeyID("spa-2026"): spaKey.publicKey])
    static let gateway = try! NodeID("sg1")

    static func grant(notBefore: UInt64 = 1000, notAfter: UInt64 = 2000) -> Grant {
        try! signer.sign(prefix: try! ServiceName("/shop/cart"), gateway: gateway, pod: try! PodID("pod1"),
                         notBefore: notBefore, notAfter: notAfter, serial: 7)
    }

    static func entry(_ grant: Grant?) -> PrefixEntry {
        PrefixEntry(prefix: try! ServiceName("/shop/cart"), grant: grant)
    }

    @Test("a good grant verifies inside its window and says until when")
    func good() {
        #expect(Self.verifier.verify(Self.entry(Self.grant()), origin: Self.gateway, at: 1500) == .valid(until: 2000))
        #expect(Self.verifier.verify(Self.entry(Self.grant()), origin: Self.gateway, at: 1000).isValid)
        #expect(Self.verifier.verify(Self.entry(Self.grant()), origin: Self.gateway, at: 2000).isValid)
    }

    @Test("outside the window, without a grant, for another gateway or prefix: refused with the reason")
    func refusals() throws {
        let grant = Self.grant()
        #expect(Self.verifier.verify(Self.entry(grant), origin: Self.gateway, at: 999) == .notYetValid(from: 1000))
        #expect(Self.verifier.verify(Self.entry(grant), origin: Self.gateway, at: 2001) == .expired(at: 2000))
        #expect(Self.verifier.verify(Self.entry(nil), origin: Self.gateway, at: 1500) == .missing)
        #expect(Self.verifier.verify(Self.entry(grant), origin: try NodeID("sg2"), at: 1500) == .wrongGateway(granted: Self.gateway))
        let other = PrefixEntry(prefix: try ServiceName("/shop/pay"), grant: grant)
        #expect(Self.verifier.verify(other, origin: Self.gateway, at: 1500) == .wrongPrefix(granted: try ServiceName("/shop/cart")))
    }

    @Test("a key id the verifier does not trust, or another key under a trusted id, is refused")
    func keys() throws {
        let rogueKey = try Ed25519PrivateKey()
        let rogue = GrantSigner(keyID: try KeyID("rogue"), key: rogueKey)
        let rogueGrant = try rogue.sign(prefix: try ServiceName("/shop/cart"), gateway: Self.gateway, pod: try PodID("pod1"),
                                        notBefore: 1000, notAfter: 2000, serial: 1)
        #expect(Self.verifier.verify(Self.entry(rogueGrant), origin: Self.gateway, at: 1500) == .unknownKey(try KeyID("rogue")))
        let impostor = GrantSigner(keyID: try KeyID("spa-2026"), key: try Ed25519PrivateKey())
        let impostorGrant = try impostor.sign(prefix: try ServiceName("/shop/cart"), gateway: Self.gateway, pod: try PodID("pod1"),
                                              notBefore: 1000, notAfter: 2000, serial: 1)
        #expect(Self.verifier.verify(Self.entry(impostorGrant), origin: Self.gateway, at: 1500) == .badSignature)
        // Rotation: a verifier trusting both keys accepts both grants.
        let both = GrantVerifier(keys: [try KeyID("spa-2026"): Self.spaKey.publicKey, try KeyID("rogue"): rogueKey.publicKey])
        #expect(both.verify(Self.entry(rogueGrant), origin: Self.gateway, at: 1500).isValid)
        #expect(both.verify(Self.entry(Self.grant()), origin: Self.gateway, at: 1500).isValid)
    }

    @Test("one flipped bit anywhere in the encoded grant: refused or undecodable, never valid")
    func flippedBits() throws {
        var writer = TLVWriter()
        Self.grant().encode(into: &writer)
        let bytes = writer.bytes
        // The grant's value: its signed elements, then the Signature TLV
        // (type and length one byte each, 64 bytes of value).
        let header = bytes.count - (Self.grant().signedBytes.count + 2 + 64)
        #expect(try Grant(decoding: bytes, header..<bytes.count) == Self.grant())
        var accepted = 0, checked = 0
        for index in header..<bytes.count {
            for bit in 0..<8 {
                var mutated = bytes
                mutated[index] ^= 1 << bit
                guard let grant = try? Grant(decoding: mutated, header..<mutated.count) else { continue }
                // A flip in the outer header may leave an equal grant only if
                // it decodes to the very same value: that is not a forgery.
                if grant == Self.grant() { continue }
                checked += 1
                let entry = PrefixEntry(prefix: grant.prefix, grant: grant)
                if Self.verifier.verify(entry, origin: grant.gateway, at: (grant.notBefore + grant.notAfter) / 2).isValid {
                    accepted += 1
                }
            }
        }
        #expect(accepted == 0)
        // Every signature bit and most content bits give a decodable grant:
        // the check above ran on hundreds of forgeries, not on none.
        #expect(checked >= 64 * 8)
    }

    @Test("keys survive PEM and raw round trips; a non-Ed25519 or garbage PEM is refused")
    func pem() throws {
        let key = try Ed25519PrivateKey()
        let again = try Ed25519PrivateKey(pem: key.pem)
        #expect(again.publicKey == key.publicKey)
        #expect(try Ed25519PublicKey(pem: key.publicKey.pem) == key.publicKey)
        #expect(key.pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(raw: [1, 2, 3]) }
        let message = Array("hello".utf8)
        #expect(again.publicKey.verify(try key.sign(message), of: message))
        #expect(!again.publicKey.verify(try key.sign(message), of: Array("hellO".utf8)))
    }
}

