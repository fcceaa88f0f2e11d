/// Class 3, SPA to SG: the request is granted; here is the signed token
/// (draft-li-icnrg-damc §5 step 2). Also sent unprompted to renew a grant
/// before it expires. docs/wire.md §5.6.
public struct AuthGrant: WireMessage {
    public static let messageType = MessageType.authGrant
    public static let context: StaticString = "AuthGrant"
    public static let schema: [FieldSpec] = [.required(.requestID), .required(.nonce), .required(.grant)]

    public var requestID: UInt64
    /// The request's nonce, echoed.
    public var nonce: [UInt8]
    public var grant: Grant
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, nonce: [UInt8], grant: Grant, extensions: [RawElement] = []) {
        self.requestID = requestID
        self.nonce = nonce
        self.grant = grant
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        nonce = try fields.data(.nonce, length: Limits.nonceBytes)
        grant = try fields.element(.grant)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.nonce, bytes: nonce)
        writer.write(.grant, element: grant)
        writer.write(extensions)
    }
}
