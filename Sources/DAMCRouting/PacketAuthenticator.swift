import DAMCWire

/// Authenticates class-2 packets with a MAC trailer, in the spirit of
/// RFC 7474 (docs/routing.md §9). The engine holds the sequence numbers
/// and the replay state; the key chain and the MAC algorithm come from
/// the security layer (`DAMCSecurity.KeyChain`), so the engine stays free
/// of cryptography and I/O.
public protocol PacketAuthenticator: Sendable {
    /// The key that signs outgoing packets; nil sends them without a trailer.
    var sendKey: UInt16? { get }
    /// Whether a received packet may use key `number`.
    func accepts(_ number: UInt16) -> Bool
    /// The MAC of `bytes` under key `number`, or nil if the chain has no
    /// such key.
    func mac(_ bytes: ArraySlice<UInt8>, key number: UInt16) -> [UInt8]?
}

extension RoutingNode {
    /// HMAC-SHA256's output: the MAC length the engine signs and expects.
    static let macLength = 32

    /// Replaces the key chain (SIGHUP) without touching adjacencies or
    /// replay state: a roll-over that keeps the old key accepted until
    /// every neighbour sends with the new one never drops a packet.
    public mutating func updateAuthentication(_ authenticator: (any PacketAuthenticator)?) {
        config.authenticator = authenticator
    }

    /// The trailer for the next signed packet (MAC still zero), or nil
    /// when packets go out unsigned.
    mutating func nextTrailer() -> AuthTrailer? {
        guard let key = config.authenticator?.sendKey else { return nil }
        authSequence += 1
        return AuthTrailer(keyNumber: key, sequence: authSequence, mac: [UInt8](repeating: 0, count: Self.macLength))
    }

    /// Fills in the MAC of a message encoded with `trailer` as its last
    /// element: the MAC of every byte before the MAC value (docs/wire.md §5.5).
    func sealed(_ message: [UInt8], _ trailer: AuthTrailer?) -> [UInt8] {
        guard let trailer, let authenticator = config.authenticator else { return message }
        var bytes = message
        let covered = bytes.count - Self.macLength
        guard let mac = authenticator.mac(bytes[..<covered], key: trailer.keyNumber), mac.count == Self.macLength else {
            return message
        }
        bytes.replaceSubrange(covered..., with: mac)
        return bytes
    }

    /// Encodes `message`, signed with the send key when authentication is
    /// configured.
    mutating func encodeAuthenticated(_ message: some WireMessage) -> [UInt8] {
        // Without a send key, no dynamic cast on the way out.
        guard config.authenticator?.sendKey != nil, var signed = message as? any AuthenticatedMessage,
              let trailer = nextTrailer() else {
            return message.encode()
        }
        signed.trailer = trailer
        return sealed(signed.encode(), trailer)
    }

    /// Checks a decoded packet's trailer: present, a key the chain accepts,
    /// the right MAC, and a sequence number above the last one accepted on
    /// this link. Anything else is dropped and counted.
    mutating func authenticate(_ message: DAMCMessage, bytes: [UInt8], on link: LinkID) -> Bool {
        guard let authenticator = config.authenticator else { return true }
        guard let trailer = message.authTrailer, trailer.mac.count == Self.macLength else {
            counters.authMissing += 1
            return false
        }
        guard authenticator.accepts(trailer.keyNumber),
              let expected = authenticator.mac(bytes[..<(bytes.count - Self.macLength)], key: trailer.keyNumber) else {
            counters.authUnknownKey += 1
            return false
        }
        // Constant time over the MAC: no early exit at the first difference.
        var difference: UInt8 = 0
        for (a, b) in zip(expected, trailer.mac) { difference |= a ^ b }
        guard difference == 0, expected.count == trailer.mac.count else {
            counters.authBadMAC += 1
            return false
        }
        if let last = authLastSequence[link], trailer.sequence <= last {
            counters.authReplays += 1
            return false
        }
        authLastSequence[link] = trailer.sequence
        return true
    }
}
