/// The kind of content an LSA carries (docs/wire.md §5.4).
public enum LSAType: UInt64, Hashable, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// The originator's up adjacencies and node flags.
    case adjacency = 1
    /// Service prefixes the originating gateway may serve, with their grants.
    case servicePrefix = 2

    public static func < (lhs: LSAType, rhs: LSAType) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .adjacency: return "adjacency"
        case .servicePrefix: return "prefix"
        }
    }

    static func decode(_ fields: TLVFields) throws(WireError) -> LSAType {
        let raw = try fields.integer(.lsaType)
        guard let type = LSAType(rawValue: raw) else {
            throw .invalidValue(what: "LSAType in \(fields.context)", reason: "unknown LSA type \(raw)")
        }
        return type
    }
}

/// What identifies an LSA in the LSDB: its origin, type and fragment
/// number. Two LSAs with one key are instances of each other, ordered by
/// sequence number (docs/wire.md §5.4).
public struct LSAKey: WireElement, Comparable, CustomStringConvertible {
    static let schema: [FieldSpec] = [.required(.nodeID), .required(.lsaType), .required(.lsaFragment)]

    public var origin: NodeID
    public var type: LSAType
    /// 0...`Limits.maxFragment`; content too large for one LSA is split
    /// over consecutive fragments, as IS-IS splits LSPs.
    public var fragment: UInt16

    public init(origin: NodeID, type: LSAType, fragment: UInt16 = 0) {
        self.origin = origin
        self.type = type
        self.fragment = fragment
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "LSAKey")
        try Self.refuseExtensions(fields, "LSAKey")
        origin = try fields.identifier(.nodeID)
        type = try LSAType.decode(fields)
        fragment = UInt16(try fields.integer(.lsaFragment, max: Limits.maxFragment))
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .lsaKey) {
        writer.nested(type) { writer in writeFields(into: &writer) }
    }

    /// An LSA's key and header identify an instance (acknowledgements and
    /// summaries are matched by them), so they take no extensions: an
    /// unknown element inside one, even a non-critical one, is refused
    /// rather than dropped, which would let a decoded message re-encode to
    /// other bytes (docs/wire.md §2.3; found by the fuzzer, 2026-11-24).
    static func refuseExtensions(_ fields: borrowing TLVFields, _ context: String) throws(WireError) {
        if let element = fields.unknown.first {
            throw .invalidValue(what: context, reason: "unknown element type \(element.type); \(context) takes no extensions")
        }
    }

    func writeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: origin)
        writer.write(.lsaType, integer: type.rawValue)
        writer.write(.lsaFragment, integer: UInt64(fragment))
    }

    public static func < (lhs: LSAKey, rhs: LSAKey) -> Bool {
        (lhs.origin, lhs.type, lhs.fragment) < (rhs.origin, rhs.type, rhs.fragment)
    }

    public var description: String { "\(origin)/\(type)/\(fragment)" }
}

/// An LSA's identity and instance without its body: what acknowledgements
/// and database summaries carry (like OSPF's LSA header).
public struct LSAHeader: WireElement, CustomStringConvertible {
    static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.lsaType), .required(.lsaFragment),
        .required(.lsaSequence), .required(.lsaLifetime), .required(.lsaChecksum),
    ]

    public var key: LSAKey
    public var sequence: UInt64
    /// Remaining lifetime in seconds.
    public var lifetime: UInt16
    public var checksum: UInt32

    public init(key: LSAKey, sequence: UInt64, lifetime: UInt16, checksum: UInt32) {
        self.key = key
        self.sequence = sequence
        self.lifetime = lifetime
        self.checksum = checksum
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "LSAHeader")
        try LSAKey.refuseExtensions(fields, "LSAHeader")
        key = LSAKey(origin: try fields.identifier(.nodeID), type: try LSAType.decode(fields),
                     fragment: UInt16(try fields.integer(.lsaFragment, max: Limits.maxFragment)))
        sequence = try LSA.decodeSequence(fields)
        lifetime = UInt16(try fields.integer(.lsaLifetime, max: UInt64(UInt16.max)))
        checksum = try LSA.decodeChecksum(fields)
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .lsaHeader) {
        writer.nested(type) { writer in
            key.writeFields(into: &writer)
            writer.write(.lsaSequence, integer: sequence)
            writer.write(.lsaLifetime, integer: UInt64(lifetime))
            writer.write(.lsaChecksum, bytes: LSA.checksumBytes(checksum))
        }
    }

    public var description: String {
        "\(key) seq \(sequence) age-left \(lifetime)s cksum 0x\(String(checksum, radix: 16))"
    }
}
