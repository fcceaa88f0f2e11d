/// The SPA's signed statement that one pod behind one gateway may serve
/// one prefix for a time (draft-li-icnrg-damc §6 item 2, §7.1 step 2).
/// Travels from the SPA to the SG in `AuthGrant` and from the SG to every
/// router inside its prefix LSA, where it is verified. docs/wire.md §5.6.
///
/// The signature is the last element, after any extensions, and covers
/// every element before it: `signedBytes` is exactly the Grant's value on
/// the wire up to the Signature element.
public struct Grant: WireElement, CustomStringConvertible {
    static let schema: [FieldSpec] = [
        .required(.name), .required(.nodeID), .required(.podID),
        .required(.notBefore), .required(.notAfter), .required(.serial), .required(.keyID),
        .trailer(.signature, required: true),
    ]

    public var prefix: ServiceName
    /// The gateway allowed to advertise the prefix; must be the LSA's origin.
    public var gateway: NodeID
    public var pod: PodID
    /// Start of validity, Unix seconds.
    public var notBefore: UInt64
    /// End of validity, Unix seconds; not before `notBefore`.
    public var notAfter: UInt64
    /// Unique per SPA; a revoke names it.
    public var serial: UInt64
    /// Which SPA signing key made the signature.
    public var keyID: KeyID
    /// Unknown non-critical elements, kept verbatim and signed.
    public var extensions: [RawElement]
    /// Ed25519 over `signedBytes` (64 bytes), or any scheme's bytes.
    public var signature: [UInt8]

    public init(prefix: ServiceName, gateway: NodeID, pod: PodID, notBefore: UInt64, notAfter: UInt64,
                serial: UInt64, keyID: KeyID, extensions: [RawElement] = [], signature: [UInt8]) {
        self.prefix = prefix
        self.gateway = gateway
        self.pod = pod
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.serial = serial
        self.keyID = keyID
        self.extensions = extensions
        self.signature = signature
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Grant")
        prefix = try fields.element(.name)
        gateway = try fields.identifier(.nodeID)
        pod = try fields.identifier(.podID)
        notBefore = try fields.integer(.notBefore)
        notAfter = try fields.integer(.notAfter)
        guard notAfter >= notBefore else {
            throw .invalidValue(what: "Grant validity", reason: "NotAfter \(notAfter) is before NotBefore \(notBefore)")
        }
        serial = try fields.integer(.serial)
        keyID = try fields.identifier(.keyID)
        extensions = fields.unknown
        signature = try fields.data(.signature, length: Limits.signatureBytes)
    }

    /// The bytes the signature covers: the Grant's elements before Signature.
    public var signedBytes: [UInt8] {
        var writer = TLVWriter(capacity: 128)
        writeSignedFields(into: &writer)
        return writer.bytes
    }

    private func writeSignedFields(into writer: inout TLVWriter) {
        writer.write(.name, element: prefix)
        writer.write(.nodeID, identifier: gateway)
        writer.write(.podID, identifier: pod)
        writer.write(.notBefore, integer: notBefore)
        writer.write(.notAfter, integer: notAfter)
        writer.write(.serial, integer: serial)
        writer.write(.keyID, identifier: keyID)
        writer.write(extensions)
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .grant) {
        writer.nested(type) { writer in
            writeSignedFields(into: &writer)
            writer.write(.signature, bytes: signature)
        }
    }

    /// Whether `time` (Unix seconds) is inside the validity window.
    public func isValid(at time: UInt64) -> Bool { notBefore <= time && time <= notAfter }

    public var description: String {
        "grant #\(serial) \(prefix) to \(gateway)/\(pod) [\(notBefore), \(notAfter)] key \(keyID)"
    }
}
