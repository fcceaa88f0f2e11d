/// One up adjacency in an adjacency LSA: the neighbour, the link's cost
/// and capacity (draft-li-icnrg-damc §7.1 step 3: "the connection
/// relationship between the service gateway and the service router").
/// docs/wire.md §5.4.
public struct Adjacency: WireElement {
    static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.cost), .required(.capacity), .optional(.linkID),
    ]

    public var neighbor: NodeID
    /// SPF cost, at least 1.
    public var cost: UInt32
    /// Link capacity in kbit/s (used by CCDR, RFC 8735 §4).
    public var capacityKbps: UInt64
    /// Distinguishes parallel links to one neighbour; local to the origin.
    public var linkID: UInt32?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(neighbor: NodeID, cost: UInt32, capacityKbps: UInt64, linkID: UInt32? = nil,
                extensions: [RawElement] = []) {
        self.neighbor = neighbor
        self.cost = cost
        self.capacityKbps = capacityKbps
        self.linkID = linkID
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Adjacency")
        neighbor = try fields.identifier(.nodeID)
        cost = UInt32(try fields.integer(.cost, max: UInt64(UInt32.max)))
        guard cost >= 1 else { throw .invalidValue(what: "Cost in Adjacency", reason: "must be at least 1") }
        capacityKbps = try fields.integer(.capacity)
        linkID = try fields.optionalInteger(.linkID, max: UInt64(UInt32.max)).map { UInt32($0) }
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .adjacency) {
        writer.nested(type) { writer in
            writer.write(.nodeID, identifier: neighbor)
            writer.write(.cost, integer: UInt64(cost))
            writer.write(.capacity, integer: capacityKbps)
            if let linkID { writer.write(.linkID, integer: UInt64(linkID)) }
            writer.write(extensions)
        }
    }
}
