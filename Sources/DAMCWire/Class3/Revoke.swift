/// Class 3, SPA to SG: a grant is withdrawn before its end of validity;
/// the SG must stop advertising the prefix at once. docs/wire.md §5.6.
public struct Revoke: WireMessage {
    public static let messageType = MessageType.revoke
    public static let context: StaticString = "Revoke"
    public static let schema: [FieldSpec] = [
        .required(.serial), .required(.name), .required(.nodeID),
        .required(.reasonCode), .optional(.reasonText),
    ]

    /// The revoked grant's serial.
    public var serial: UInt64
    public var prefix: ServiceName
    /// The gateway that holds the grant.
    public var gateway: NodeID
    public var reason: ReasonCode
    public var reasonText: String?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(serial: UInt64, prefix: ServiceName, gateway: NodeID, reason: ReasonCode = .revoked,
                reasonText: String? = nil, extensions: [RawElement] = []) {
        self.serial = serial
        self.prefix = prefix
        self.gateway = gateway
        self.reason = reason
        self.reasonText = reasonText
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        serial = try fields.integer(.serial)
        prefix = try fields.element(.name)
        gateway = try fields.identifier(.nodeID)
        reason = ReasonCode(rawValue: UInt16(try fields.integer(.reasonCode, max: UInt64(UInt16.max))))
        reasonText = try fields.optionalText(.reasonText, maxBytes: Limits.maxReasonBytes)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.serial, integer: serial)
        writer.write(.name, element: prefix)
        writer.write(.nodeID, identifier: gateway)
        writer.write(.reasonCode, integer: UInt64(reason.rawValue))
        if let reasonText { writer.write(.reasonText, text: reasonText) }
        writer.write(extensions)
    }
}
