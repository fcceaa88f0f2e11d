import COpenSSL

/// An OpenSSL key object, freed with its owner.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// Reads PEM text into a key with one of OpenSSL's PEM readers.
private func readPEM(_ text: String, _ what: String,
                     _ reader: (OpaquePointer?) -> OpaquePointer?) throws(CryptoError) -> EVPKey {
    let bytes = Array(text.utf8)
    let key: OpaquePointer? = bytes.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return reader(bio)
    }
    guard let key else { throw CryptoError("reading \(what) PEM") }
    guard EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 else {
        EVP_PKEY_free(key)
        throw CryptoError("reading \(what) PEM", reason: "not an Ed25519 key")
    }
    return EVPKey(key)
}

/// Writes a key as PEM with one of OpenSSL's PEM writers.
private func writePEM(_ writer: (OpaquePointer?) -> Int32) -> String {
    guard let bio = BIO_new(BIO_s_mem()) else { return "" }
    defer { BIO_free(bio) }
    guard writer(bio) == 1 else { return "" }
    var data: UnsafeMutablePointer<CChar>?
    let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
    guard length > 0, let data else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
}

/// An Ed25519 signing key (RFC 8032) through OpenSSL's EVP interface: the
/// SPA signs grants with it (draft-li-icnrg-damc §6.2).
public struct Ed25519PrivateKey: Sendable {
    let key: EVPKey

    /// A fresh random key.
    public init() throws(CryptoError) {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw CryptoError("Ed25519 keygen") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw CryptoError("Ed25519 keygen")
        }
        self.key = EVPKey(key)
    }

    /// A key from its 32 raw bytes (the RFC 8032 seed).
    public init(raw: [UInt8]) throws(CryptoError) {
        guard raw.count == 32 else { throw CryptoError("Ed25519 private key", reason: "\(raw.count) bytes, expected 32") }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError("Ed25519 private key")
        }
        self.key = EVPKey(key)
    }

    /// A key from PKCS#8 PEM text (`openssl genpkey -algorithm ed25519`).
    public init(pem: String) throws(CryptoError) {
        key = try readPEM(pem, "private key") { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
    }

    /// PKCS#8 PEM text, unencrypted (the file's mode protects it).
    public var pem: String {
        writePEM { PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil) }
    }

    public var publicKey: Ed25519PublicKey {
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        _ = EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length)
        return try! Ed25519PublicKey(raw: raw)
    }

    /// The 64-byte signature of `message`.
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw CryptoError("Ed25519 sign") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1,
              EVP_DigestSign(context, &signature, &length, message, message.count) == 1, length == 64 else {
            throw CryptoError("Ed25519 sign")
        }
        return signature
    }
}

/// An Ed25519 verification key: every SG and SR holds the SPA's, by key id.
public struct Ed25519PublicKey: Sendable, Equatable {
    let key: EVPKey
    /// The 32 raw bytes.
    public let raw: [UInt8]

    public init(raw: [UInt8]) throws(CryptoError) {
        guard raw.count == 32 else { throw CryptoError("Ed25519 public key", reason: "\(raw.count) bytes, expected 32") }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw CryptoError("Ed25519 public key")
        }
        self.key = EVPKey(key)
        self.raw = raw
    }

    /// A key from SubjectPublicKeyInfo PEM text (`openssl pkey -pubout`).
    public init(pem: String) throws(CryptoError) {
        key = try readPEM(pem, "public key") { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        var length = 32
        var bytes = [UInt8](repeating: 0, count: 32)
        _ = EVP_PKEY_get_raw_public_key(key.pointer, &bytes, &length)
        raw = bytes
    }

    public var pem: String { writePEM { PEM_write_bio_PUBKEY($0, key.pointer) } }

    /// True only for a valid signature of exactly `message`.
    public func verify(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64, let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pointer) == 1 else {
            _ = CryptoError.drainQueue()
            return false
        }
        let ok = EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
        if !ok { _ = CryptoError.drainQueue() }
        return ok
    }

    public static func == (lhs: Ed25519PublicKey, rhs: Ed25519PublicKey) -> Bool { lhs.raw == rhs.raw }
}
