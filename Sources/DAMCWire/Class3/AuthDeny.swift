/// Class 3, SPA to SG: the request is refused, with a code and a text
/// (draft-li-icnrg-damc §5 step 2: "an authentication failure
/// notification"). docs/wire.md §5.6.
public struct AuthDeny: WireMessage {
    public static let messageType = MessageType.authDeny
    public static let context: StaticString = "AuthDeny"
    public static let schema: [FieldSpec] = [
        .required(.requestID), .required(.nonce), .required(.name),
        .required(.reasonCode), .optional(.reasonText),
    ]

    public var requestID: UInt64
    public var nonce: [UInt8]
    public var prefix: ServiceName
    public var reason: ReasonCode
    public var reasonText: String?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, nonce: [UInt8], prefix: ServiceName, reason: ReasonCode,
                reasonText: String? = nil, extensions: [RawElement] = []) {
        self.requestID = requestID
        self.nonce = nonce
        self.prefix = prefix
        self.reason = reason
        self.reasonText = reasonText
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        nonce = try fields.data(.nonce, length: Limits.nonceBytes)
        prefix = try fields.element(.name)
        reason = ReasonCode(rawValue: UInt16(try fields.integer(.reasonCode, max: UInt64(UInt16.max))))
        reasonText = try fields.optionalText(.reasonText, maxBytes: Limits.maxReasonBytes)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.nonce, bytes: nonce)
        writer.write(.name, element: prefix)
        writer.write(.reasonCode, integer: UInt64(reason.rawValue))
        if let reasonText { writer.write(.reasonText, text: reasonText) }
        writer.write(extensions)
    }
}
