import DAMCRouting

/// A key chain for class-2 packet authentication (RFC 7474 in spirit, key
/// chains as in RFC 8177): numbered HMAC-SHA256 secrets, each allowed to
/// send, to accept, or both. Roll-over without an adjacency flap:
/// (1) add the new key, accept-only, everywhere; (2) make it the send key
/// everywhere; (3) remove the old one. Every step is a SIGHUP.
public struct KeyChain: PacketAuthenticator, Equatable {
    public struct Key: Sendable, Equatable {
        public var number: UInt16
        public var secret: [UInt8]
        public var send: Bool
        public var accept: Bool

        public init(number: UInt16, secret: [UInt8], send: Bool = true, accept: Bool = true) {
            self.number = number
            self.secret = secret
            self.send = send
            self.accept = accept
        }
    }

    public private(set) var keys: [UInt16: Key]

    /// Refuses an empty chain, short secrets, duplicate numbers and more
    /// than one send key.
    public init(_ keys: [Key]) throws(CryptoError) {
        var table: [UInt16: Key] = [:]
        for key in keys {
            guard key.secret.count >= 16 else {
                throw CryptoError("key chain", reason: "key \(key.number): secret of \(key.secret.count) bytes, need at least 16")
            }
            guard table.updateValue(key, forKey: key.number) == nil else {
                throw CryptoError("key chain", reason: "key \(key.number) appears twice")
            }
        }
        guard !table.isEmpty else { throw CryptoError("key chain", reason: "no keys") }
        guard table.values.filter(\.send).count <= 1 else {
            throw CryptoError("key chain", reason: "more than one send key")
        }
        self.keys = table
    }

    public var sendKey: UInt16? { keys.values.first { $0.send }?.number }

    public func accepts(_ number: UInt16) -> Bool { keys[number]?.accept == true }

    public func mac(_ bytes: ArraySlice<UInt8>, key number: UInt16) -> [UInt8]? {
        guard let key = keys[number] else { return nil }
        return HMACSHA256.mac(key: key.secret, data: bytes)
    }
}
