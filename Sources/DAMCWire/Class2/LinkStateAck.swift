/// Class 2 acknowledgement: the headers of LSAs received, so the sender
/// can take them off its retransmission list (OSPF LSAck). docs/wire.md §5.3.
public struct LinkStateAck: WireMessage {
    public static let messageType = MessageType.linkStateAck
    public static let context: StaticString = "LinkStateAck"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .repeated(.lsaHeader, min: 1, max: Limits.maxHeadersPerPacket),
        .trailer(.authTrailer),
    ]

    public var sender: NodeID
    public var headers: [LSAHeader]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]
    public var trailer: AuthTrailer?

    public init(sender: NodeID, headers: [LSAHeader], extensions: [RawElement] = [], trailer: AuthTrailer? = nil) {
        self.sender = sender
        self.headers = headers
        self.extensions = extensions
        self.trailer = trailer
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        sender = try fields.identifier(.nodeID)
        headers = try fields.elements(.lsaHeader)
        extensions = fields.unknown
        trailer = try fields.optionalElement(.authTrailer)
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: sender)
        for header in headers { writer.write(.lsaHeader, element: header) }
        writer.write(extensions)
        if let trailer { writer.write(.authTrailer, element: trailer) }
    }
}
