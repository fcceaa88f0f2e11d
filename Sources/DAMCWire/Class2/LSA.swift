/// What an LSA says, by type (docs/wire.md §5.4).
public enum LSABody: Hashable, Sendable {
    /// An adjacency LSA: node-wide flags and the node's up adjacencies.
    case adjacency(flags: NodeFlags, adjacencies: [Adjacency])
    /// A service-prefix LSA: prefixes the origin may serve.
    case servicePrefix([PrefixEntry])

    public var type: LSAType {
        switch self {
        case .adjacency: return .adjacency
        case .servicePrefix: return .servicePrefix
        }
    }
}

/// A link-state advertisement (draft-li-icnrg-damc §4 class 2 "Service
/// Prefixes LSA", §7.1 steps 3-5): flooded by every SG and SR, collected in
/// the LSDB, input to SPF. docs/wire.md §5.4.
///
/// The checksum is not a stored field: `encode` computes it and decoding
/// verifies it (CRC-32C over the LSA's elements other than `LSALifetime` and
/// `LSAChecksum`, so aging an LSA in flight does not change it).
public struct LSA: WireElement, CustomStringConvertible {
    static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.lsaType), .required(.lsaFragment),
        .required(.lsaSequence), .required(.lsaLifetime), .required(.lsaChecksum),
        .optional(.flags),
        .repeated(.adjacency, max: Limits.maxAdjacencies),
        .repeated(.prefixEntry, max: Limits.maxPrefixesPerLSA),
    ]

    public var origin: NodeID { didSet { knownChecksum = nil } }
    public var fragment: UInt16 { didSet { knownChecksum = nil } }
    /// 64-bit and never wraps: starts at 1, +1 per origination (docs/wire.md §5.4).
    public var sequence: UInt64 { didSet { knownChecksum = nil } }
    /// Remaining lifetime in seconds; 0 means the LSA is being purged.
    /// Not covered by the checksum, so changing it keeps `checksum` valid.
    public var lifetime: UInt16
    public var body: LSABody { didSet { knownChecksum = nil } }
    /// Unknown non-critical elements, kept verbatim and covered by the checksum.
    public var extensions: [RawElement] { didSet { knownChecksum = nil } }
    /// The checksum verified when this value was decoded, until a covered
    /// field changes; saves re-encoding to learn it.
    private var knownChecksum: UInt32?

    public init(origin: NodeID, fragment: UInt16 = 0, sequence: UInt64, lifetime: UInt16,
                body: LSABody, extensions: [RawElement] = []) {
        self.origin = origin
        self.fragment = fragment
        self.sequence = sequence
        self.lifetime = lifetime
        self.body = body
        self.extensions = extensions
        self.knownChecksum = nil
    }

    public var type: LSAType { body.type }
    public var key: LSAKey { LSAKey(origin: origin, type: type, fragment: fragment) }

    // MARK: Decoding

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        guard range.count <= Limits.maxLSASize else {
            throw .invalidLength(what: "LSA", length: range.count, allowed: "0...\(Limits.maxLSASize)")
        }
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "LSA")
        origin = try fields.identifier(.nodeID)
        let type = try LSAType.decode(fields)
        fragment = UInt16(try fields.integer(.lsaFragment, max: Limits.maxFragment))
        sequence = try Self.decodeSequence(fields)
        lifetime = UInt16(try fields.integer(.lsaLifetime, max: UInt64(UInt16.max)))
        let carried = try Self.decodeChecksum(fields)
        let flags = try fields.optionalInteger(.flags)
        switch type {
        case .adjacency:
            guard let flags else {
                throw .missingElement(type: ElementType.flags.rawValue, in: "LSA (adjacency)")
            }
            guard fields.count(.prefixEntry) == 0 else {
                throw .invalidValue(what: "LSA (adjacency)", reason: "holds a PrefixEntry")
            }
            body = .adjacency(flags: NodeFlags(rawValue: flags), adjacencies: try fields.elements(.adjacency))
        case .servicePrefix:
            guard flags == nil else {
                throw .invalidValue(what: "LSA (prefix)", reason: "holds node Flags")
            }
            guard fields.count(.adjacency) == 0 else {
                throw .invalidValue(what: "LSA (prefix)", reason: "holds an Adjacency")
            }
            body = .servicePrefix(try fields.elements(.prefixEntry))
        }
        extensions = fields.unknown
        // The lifetime and checksum elements are adjacent (schema order), and
        // each has a 1-byte TLV-TYPE and a 1-byte TLV-LENGTH.
        let lifetimeValue = try fields.required(.lsaLifetime)
        let checksumValue = try fields.required(.lsaChecksum)
        let computed = Self.checksum(bytes, value: range,
                                     excluding: (lifetimeValue.lowerBound - 2)..<checksumValue.upperBound)
        guard computed == carried else {
            throw .checksumMismatch(carried: carried, computed: computed)
        }
        knownChecksum = carried
    }

    public static func == (lhs: LSA, rhs: LSA) -> Bool {
        lhs.origin == rhs.origin && lhs.fragment == rhs.fragment && lhs.sequence == rhs.sequence
            && lhs.lifetime == rhs.lifetime && lhs.body == rhs.body && lhs.extensions == rhs.extensions
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(fragment)
        hasher.combine(sequence)
        hasher.combine(lifetime)
        hasher.combine(body)
        hasher.combine(extensions)
    }

    static func decodeSequence(_ fields: TLVFields) throws(WireError) -> UInt64 {
        let sequence = try fields.integer(.lsaSequence)
        guard sequence >= 1 else {
            throw .invalidValue(what: "LSASequence in \(fields.context)", reason: "0 is not a valid sequence number")
        }
        return sequence
    }

    static func decodeChecksum(_ fields: TLVFields) throws(WireError) -> UInt32 {
        let value = try fields.data(.lsaChecksum, length: 4...4)
        return UInt32(value[0]) << 24 | UInt32(value[1]) << 16 | UInt32(value[2]) << 8 | UInt32(value[3])
    }

    static func checksumBytes(_ checksum: UInt32) -> [UInt8] {
        [UInt8(checksum >> 24), UInt8(truncatingIfNeeded: checksum >> 16),
         UInt8(truncatingIfNeeded: checksum >> 8), UInt8(truncatingIfNeeded: checksum)]
    }

    static func checksum(_ bytes: [UInt8], value: Range<Int>, excluding hole: Range<Int>) -> UInt32 {
        CRC32C.update(CRC32C.update(0, bytes, value.lowerBound..<hole.lowerBound), bytes, hole.upperBound..<value.upperBound)
    }

    // MARK: Encoding

    public func encode(into writer: inout TLVWriter, as type: ElementType = .lsa) {
        writer.nested(type) { writer in _ = writeValue(into: &writer) }
    }

    /// Writes the LSA's elements, patches in the checksum, and returns it.
    private func writeValue(into writer: inout TLVWriter) -> UInt32 {
        let start = writer.bytes.count
        writer.write(.nodeID, identifier: origin)
        writer.write(.lsaType, integer: type.rawValue)
        writer.write(.lsaFragment, integer: UInt64(fragment))
        writer.write(.lsaSequence, integer: sequence)
        let holeStart = writer.bytes.count
        writer.write(.lsaLifetime, integer: UInt64(lifetime))
        writer.write(.lsaChecksum, bytes: [0, 0, 0, 0])
        let holeEnd = writer.bytes.count
        switch body {
        case let .adjacency(flags, adjacencies):
            writer.write(.flags, integer: flags.rawValue)
            for adjacency in adjacencies { writer.write(.adjacency, element: adjacency) }
        case let .servicePrefix(entries):
            for entry in entries { writer.write(.prefixEntry, element: entry) }
        }
        writer.write(extensions)
        let sum = Self.checksum(writer.bytes, value: start..<writer.bytes.count, excluding: holeStart..<holeEnd)
        writer.bytes.replaceSubrange((holeEnd - 4)..<holeEnd, with: Self.checksumBytes(sum))
        return sum
    }

    /// The complete `LSA` element, as stored in the LSDB and flooded.
    public func encode() -> [UInt8] {
        var writer = TLVWriter(capacity: 512)
        encode(into: &writer)
        return writer.bytes
    }

    /// The checksum this LSA carries on the wire (computed by encoding it).
    public var checksum: UInt32 {
        if let knownChecksum { return knownChecksum }
        var writer = TLVWriter(capacity: 512)
        return writeValue(into: &writer)
    }

    /// Identity, instance and checksum, as acks and summaries carry them.
    public var header: LSAHeader {
        LSAHeader(key: key, sequence: sequence, lifetime: lifetime, checksum: checksum)
    }

    public var description: String {
        switch body {
        case let .adjacency(flags, adjacencies):
            return "LSA \(key) seq \(sequence) life \(lifetime)s flags \(flags.rawValue) adjacencies \(adjacencies.count)"
        case let .servicePrefix(entries):
            return "LSA \(key) seq \(sequence) life \(lifetime)s prefixes \(entries.count)"
        }
    }
}
