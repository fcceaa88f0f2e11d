import DAMCWire
import Synchronization

/// Why a prefix entry's grant was refused, or that it is valid until when.
public enum GrantVerdict: Sendable, Equatable, CustomStringConvertible {
    case valid(until: UInt64)
    case missing
    case unknownKey(KeyID)
    case badSignature
    case notYetValid(from: UInt64)
    case expired(at: UInt64)
    /// The grant names another gateway than the LSA's origin.
    case wrongGateway(granted: NodeID)
    /// The grant is for another prefix than the entry's.
    case wrongPrefix(granted: ServiceName)

    public var isValid: Bool { if case .valid = self { return true } else { return false } }

    public var description: String {
        switch self {
        case let .valid(until): return "valid until \(until)"
        case .missing: return "no grant"
        case let .unknownKey(key): return "signed with unknown key '\(key)'"
        case .badSignature: return "bad signature"
        case let .notYetValid(from): return "not valid before \(from)"
        case let .expired(at): return "expired at \(at)"
        case let .wrongGateway(granted): return "granted to gateway '\(granted)'"
        case let .wrongPrefix(granted): return "granted for \(granted)"
        }
    }
}

/// Every router's check of the SPA's grants before a prefix enters its RIB
/// (draft-li-icnrg-damc §7.1 step 3): an SPA key by key id (several, for
/// rotation), a valid Ed25519 signature over the grant's bytes, the
/// validity window around the current time, the LSA's origin as the
/// granted gateway and the entry's prefix as the granted prefix.
///
/// Signatures are checked once per distinct grant and remembered (a RIB
/// rebuild over 10,000 prefixes must not cost 10,000 signature checks);
/// the window, the gateway and the prefix are checked every time.
public final class GrantVerifier: Sendable {
    private let keys: [KeyID: Ed25519PublicKey]
    private let verified = Mutex<[[UInt8]: Bool]>([:])

    public init(keys: [KeyID: Ed25519PublicKey]) { self.keys = keys }

    /// The key ids this verifier trusts.
    public var keyIDs: [KeyID] { keys.keys.sorted() }

    public func verify(_ entry: PrefixEntry, origin: NodeID, at unixTime: UInt64) -> GrantVerdict {
        guard let grant = entry.grant else { return .missing }
        guard grant.prefix == entry.prefix else { return .wrongPrefix(granted: grant.prefix) }
        guard grant.gateway == origin else { return .wrongGateway(granted: grant.gateway) }
        guard let key = keys[grant.keyID] else { return .unknownKey(grant.keyID) }
        guard signatureValid(grant, key) else { return .badSignature }
        if unixTime < grant.notBefore { return .notYetValid(from: grant.notBefore) }
        if unixTime > grant.notAfter { return .expired(at: grant.notAfter) }
        return .valid(until: grant.notAfter)
    }

    private func signatureValid(_ grant: Grant, _ key: Ed25519PublicKey) -> Bool {
        // The cache key is the whole signed content plus the signature and
        // the key, so a changed byte anywhere is a different entry.
        let cacheKey = grant.signedBytes + grant.signature + key.raw
        if let known = verified.withLock({ $0[cacheKey] }) { return known }
        let valid = key.verify(grant.signature, of: grant.signedBytes)
        verified.withLock { cache in
            if cache.count > 100_000 { cache.removeAll() }
            cache[cacheKey] = valid
        }
        return valid
    }
}
