import DAMCWire

/// The SPA's side of grants (draft-li-icnrg-damc §6.2, §7.1 step 2): fills
/// in the key id and signs the grant's bytes (docs/wire.md §5.6) with
/// Ed25519.
public struct GrantSigner: Sendable {
    public let keyID: KeyID
    let key: Ed25519PrivateKey

    public init(keyID: KeyID, key: Ed25519PrivateKey) {
        self.keyID = keyID
        self.key = key
    }

    /// A signed grant for `pod` behind `gateway` to serve `prefix` from
    /// `notBefore` to `notAfter` (Unix seconds).
    public func sign(prefix: ServiceName, gateway: NodeID, pod: PodID, notBefore: UInt64, notAfter: UInt64,
                     serial: UInt64) throws(CryptoError) -> Grant {
        var grant = Grant(prefix: prefix, gateway: gateway, pod: pod, notBefore: notBefore, notAfter: notAfter,
                          serial: serial, keyID: keyID, signature: [])
        grant.signature = try key.sign(grant.signedBytes)
        return grant
    }
}
