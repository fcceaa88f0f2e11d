import DAMCSecurity
import DAMCTopology
import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The key material a routing daemon's config points at, loaded and
/// checked (so `--check-config` covers keys too): the class-2 key chain and
/// the SPA's grant-signing public keys. Every problem is a `ConfigError`
/// naming the config file, the key path and the reason.
public struct SecurityMaterial: Sendable {
    public var keyChain: KeyChain?
    public var grantVerifier: GrantVerifier?
    /// Class 1 over TCP: each pod's token.
    public var podTokens: [PodID: [UInt8]] = [:]

    public init(keyChain: KeyChain? = nil, grantVerifier: GrantVerifier? = nil) {
        self.keyChain = keyChain
        self.grantVerifier = grantVerifier
    }

    /// A secret kept in a file (an HMAC key, a pod token): its bytes, minus
    /// the trailing newline an editor adds; nil if it cannot be read.
    public static func secret(at path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        return bytes
    }

    public static func load(_ config: NodeConfig, file: String) throws(ConfigError) -> SecurityMaterial {
        var material = SecurityMaterial()
        if !config.authenticationKeys.isEmpty {
            var keys: [KeyChain.Key] = []
            for (index, key) in config.authenticationKeys.enumerated() {
                let path = "authentication.keys[\(index)].secret_file"
                guard let secret = Self.secret(at: key.secretFile) else {
                    throw ConfigError(file: file, keyPath: path, reason: "\(key.secretFile) cannot be read")
                }
                guard secret.count >= 16 else {
                    throw ConfigError(file: file, keyPath: path, reason: "\(key.secretFile) holds \(secret.count) bytes; at least 16 needed")
                }
                keys.append(KeyChain.Key(number: key.number, secret: secret, send: key.send, accept: key.accept))
            }
            do { material.keyChain = try KeyChain(keys) } catch {
                throw ConfigError(file: file, keyPath: "authentication.keys", reason: error.description)
            }
        }
        if !config.grantKeys.isEmpty {
            var keys: [KeyID: Ed25519PublicKey] = [:]
            for (index, key) in config.grantKeys.enumerated() {
                let path = "grant_keys[\(index)].public_key_file"
                guard let data = FileManager.default.contents(atPath: key.publicKeyFile) else {
                    throw ConfigError(file: file, keyPath: path, reason: "\(key.publicKeyFile) cannot be read")
                }
                do { keys[key.keyID] = try Ed25519PublicKey(pem: String(decoding: data, as: UTF8.self)) } catch {
                    throw ConfigError(file: file, keyPath: path, reason: "\(key.publicKeyFile): \(error)")
                }
            }
            material.grantVerifier = GrantVerifier(keys: keys)
        }
        for (pod, path) in config.pods?.tokenFiles ?? [:] {
            let keyPath = "pods.tokens (\(pod)).token_file"
            guard let token = Self.secret(at: path) else {
                throw ConfigError(file: file, keyPath: keyPath, reason: "\(path) cannot be read")
            }
            guard Limits.podTokenBytes.contains(token.count) else {
                throw ConfigError(file: file, keyPath: keyPath, reason: "\(path) holds \(token.count) bytes; tokens are 16 to 256")
            }
            material.podTokens[pod] = token
        }
        // Every TLS block must load (so --check-config catches a bad file).
        let blocks: [(String, TLSContext.Role, TLSFiles?)] = [
            ("spa.tls", .client, config.spa?.tls), ("scsc.tls", .client, config.scsc?.tls),
            ("scheduler.tls", .server, config.scheduler?.tls),
        ]
        for (keyPath, role, files) in blocks {
            guard let files else { continue }
            do { _ = try TLSContext(role: role, files: files) } catch {
                throw ConfigError(file: file, keyPath: keyPath, reason: error.description)
            }
        }
        return material
    }
}
