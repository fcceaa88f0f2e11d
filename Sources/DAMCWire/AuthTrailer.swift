/// The optional authentication trailer of class-2 packets (hello, update,
/// ack, summary, request), in the spirit of RFC 7474: a key number from the
/// sender's key chain, a sequence number for replay protection and the MAC.
/// docs/wire.md §5.5.
///
/// The trailer is always the last element of its message, and its MAC is
/// the last element of the trailer, so the bytes the MAC covers are simply
/// every byte of the message before the MAC value: see `authenticatedLength`.
/// Computing and checking the MAC belongs to the security layer.
public struct AuthTrailer: WireElement {
    static let schema: [FieldSpec] = [
        .required(.keyNumber), .required(.authSequence), .trailer(.mac, required: true),
    ]

    /// Which key of the key chain (RFC 7474 Key ID, 16 bits).
    public var keyNumber: UInt16
    /// Strictly increasing per sender and key; a replay carries an old one.
    public var sequence: UInt64
    /// The MAC bytes (HMAC-SHA256: 32).
    public var mac: [UInt8]
    /// Unknown non-critical elements, kept verbatim (covered by the MAC).
    public var extensions: [RawElement]

    public init(keyNumber: UInt16, sequence: UInt64, mac: [UInt8], extensions: [RawElement] = []) {
        self.keyNumber = keyNumber
        self.sequence = sequence
        self.mac = mac
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "AuthTrailer")
        keyNumber = UInt16(try fields.integer(.keyNumber, max: UInt64(UInt16.max)))
        sequence = try fields.integer(.authSequence)
        mac = try fields.data(.mac, length: Limits.macBytes)
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .authTrailer) {
        writer.nested(type) { writer in
            writer.write(.keyNumber, integer: UInt64(keyNumber))
            writer.write(.authSequence, integer: sequence)
            writer.write(extensions)
            writer.write(.mac, bytes: mac)
        }
    }

    /// For an encoded message that ends with this trailer, the number of
    /// leading bytes that the MAC covers: everything except the MAC value.
    public func authenticatedLength(ofMessage message: [UInt8]) -> Int {
        message.count - mac.count
    }
}
