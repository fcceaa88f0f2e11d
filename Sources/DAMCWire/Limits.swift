/// Protocol limits. Every length and count the decoder reads is checked
/// against one of these before anything is allocated for it, so a hostile
/// input cannot make the decoder allocate much more than its own size.
/// docs/wire.md §6 lists them; they are part of the protocol, not tuning.
public enum Limits {
    /// Largest DAMC message on any transport, in bytes (stream transports
    /// frame by the outer TLV, so this also bounds a receive buffer).
    public static let maxMessageSize = 1 << 20
    /// Largest single LSA, in bytes. Originators split larger content into
    /// numbered fragments (docs/wire.md §5.4).
    public static let maxLSASize = 16_384
    /// Largest datagram carrying class-2 signalling (hello, LSU, ack, ...).
    public static let maxDatagramSize = 65_507
    /// Service names: components per name (DESIGN.md §3).
    public static let maxNameComponents = 32
    /// Service names: bytes per component (DESIGN.md §3).
    public static let maxComponentBytes = 255
    /// Node, pod and key identifiers: bytes.
    public static let maxIdentifierBytes = 64
    /// Free-text reasons in deny/answer/revoke messages: bytes of UTF-8.
    public static let maxReasonBytes = 1024
    /// Unknown (extension) elements kept in any one message or element.
    public static let maxExtensions = 32
    /// Neighbours listed in one hello.
    public static let maxHelloNeighbors = 1024
    /// Adjacencies in one adjacency LSA.
    public static let maxAdjacencies = 1024
    /// Prefix entries in one service-prefix LSA.
    public static let maxPrefixesPerLSA = 1024
    /// Highest LSA fragment number (fragments are 0...this).
    public static let maxFragment: UInt64 = 65_535
    /// LSAs in one link-state update.
    public static let maxLSAsPerUpdate = 256
    /// LSA headers or keys in one ack, database summary or request.
    public static let maxHeadersPerPacket = 4096
    /// Nonce in an authentication request: bytes.
    public static let nonceBytes: ClosedRange<Int> = 8...64
    /// Signature carried by a grant: bytes (Ed25519 uses 64).
    public static let signatureBytes: ClosedRange<Int> = 1...512
    /// A pod token (class 1 over TCP): 16 to 256 bytes.
    public static let podTokenBytes: ClosedRange<Int> = 16...256
    /// MAC carried by the authentication trailer: bytes (HMAC-SHA256 uses 32).
    public static let macBytes: ClosedRange<Int> = 1...64
    /// Instance reports in one telemetry message.
    public static let maxInstanceReports = 8192
    /// Link reports in one telemetry message.
    public static let maxLinkReports = 4096
    /// Hops in a policy's explicit path.
    public static let maxPathHops = 64
}
