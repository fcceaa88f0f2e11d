/// Class 2 request: the keys of LSAs the sender lacks or holds an older
/// instance of, after comparing a database summary (OSPF LSR, IS-IS PSNP).
/// docs/wire.md §5.3.
public struct LinkStateRequest: WireMessage {
    public static let messageType = MessageType.linkStateRequest
    public static let context: StaticString = "LinkStateRequest"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .repeated(.lsaKey, min: 1, max: Limits.maxHeadersPerPacket),
        .trailer(.authTrailer),
    ]

    public var sender: NodeID
    public var keys: [LSAKey]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]
    public var trailer: AuthTrailer?

    public init(sender: NodeID, keys: [LSAKey], extensions: [RawElement] = [], trailer: AuthTrailer? = nil) {
        self.sender = sender
        self.keys = keys
        self.extensions = extensions
        self.trailer = trailer
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        sender = try fields.identifier(.nodeID)
        keys = try fields.elements(.lsaKey)
        extensions = fields.unknown
        trailer = try fields.optionalElement(.authTrailer)
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: sender)
        for key in keys { writer.write(.lsaKey, element: key) }
        writer.write(extensions)
        if let trailer { writer.write(.authTrailer, element: trailer) }
    }
}
