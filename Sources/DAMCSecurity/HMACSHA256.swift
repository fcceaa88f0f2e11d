import COpenSSL

/// HMAC-SHA256 (RFC 2104, FIPS 180-4) through OpenSSL's EVP_Q_mac: the MAC
/// of the class-2 authentication trailer (docs/wire.md §5.5).
public enum HMACSHA256 {
    public static let length = 32

    /// The 32-byte MAC of `data` under `key`.
    public static func mac(key: [UInt8], data: ArraySlice<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var outLength = 0
        let ok = key.withUnsafeBytes { key in
            data.withUnsafeBytes { data in
                EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, key.baseAddress, key.count,
                          data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count, &out, length, &outLength)
            }
        }
        precondition(ok != nil && outLength == length, "HMAC-SHA256 unavailable in this OpenSSL")
        return out
    }

    /// Equality in time independent of where the inputs differ.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }
}
