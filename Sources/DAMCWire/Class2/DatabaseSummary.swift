/// Flags of a database summary.
public struct SummaryFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// More summary packets of this exchange follow (OSPF's M bit).
    public static let more = SummaryFlags(rawValue: 1 << 0)
    /// The sender is starting a new synchronisation (its side of the
    /// adjacency just came up) and needs the receiver's whole database
    /// (OSPF's I bit). Set on the first packet of such a summary; a reply
    /// to it never sets it, so two nodes cannot start each other forever.
    public static let initial = SummaryFlags(rawValue: 1 << 1)
}

/// Class 2 database summary: the headers of every LSA the sender holds,
/// sent when an adjacency comes up so each side can request what it lacks
/// (OSPF database description, IS-IS CSNP). docs/wire.md §5.3.
public struct DatabaseSummary: WireMessage {
    public static let messageType = MessageType.databaseSummary
    public static let context: StaticString = "DatabaseSummary"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.flags),
        .repeated(.lsaHeader, max: Limits.maxHeadersPerPacket), .trailer(.authTrailer),
    ]

    public var sender: NodeID
    public var flags: SummaryFlags
    public var headers: [LSAHeader]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]
    public var trailer: AuthTrailer?

    public init(sender: NodeID, flags: SummaryFlags = [], headers: [LSAHeader],
                extensions: [RawElement] = [], trailer: AuthTrailer? = nil) {
        self.sender = sender
        self.flags = flags
        self.headers = headers
        self.extensions = extensions
        self.trailer = trailer
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        sender = try fields.identifier(.nodeID)
        flags = SummaryFlags(rawValue: try fields.integer(.flags))
        headers = try fields.elements(.lsaHeader)
        extensions = fields.unknown
        trailer = try fields.optionalElement(.authTrailer)
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: sender)
        writer.write(.flags, integer: flags.rawValue)
        for header in headers { writer.write(.lsaHeader, element: header) }
        writer.write(extensions)
        if let trailer { writer.write(.authTrailer, element: trailer) }
    }
}
