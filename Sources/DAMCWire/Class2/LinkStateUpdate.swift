/// Class 2 link-state update: carries one or more LSAs to a neighbour
/// (draft-li-icnrg-damc §7.1 steps 3-4; OSPF LSU). Each must be
/// acknowledged or is retransmitted. docs/wire.md §5.3.
public struct LinkStateUpdate: WireMessage {
    public static let messageType = MessageType.linkStateUpdate
    public static let context: StaticString = "LinkStateUpdate"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .repeated(.lsa, min: 1, max: Limits.maxLSAsPerUpdate), .trailer(.authTrailer),
    ]

    public var sender: NodeID
    public var lsas: [LSA]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]
    public var trailer: AuthTrailer?

    public init(sender: NodeID, lsas: [LSA], extensions: [RawElement] = [], trailer: AuthTrailer? = nil) {
        self.sender = sender
        self.lsas = lsas
        self.extensions = extensions
        self.trailer = trailer
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        sender = try fields.identifier(.nodeID)
        lsas = try fields.elements(.lsa)
        extensions = fields.unknown
        trailer = try fields.optionalElement(.authTrailer)
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: sender)
        for lsa in lsas { writer.write(.lsa, element: lsa) }
        writer.write(extensions)
        if let trailer { writer.write(.authTrailer, element: trailer) }
    }
}
