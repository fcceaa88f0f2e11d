/// Class 3, SG to SPA: "may this pod, behind me, serve this prefix?"
/// (draft-li-icnrg-damc §5 step 2, §7.1 step 2). The nonce binds the
/// answer to this request. docs/wire.md §5.6.
public struct AuthRequest: WireMessage {
    public static let messageType = MessageType.authRequest
    public static let context: StaticString = "AuthRequest"
    public static let schema: [FieldSpec] = [
        .required(.requestID), .required(.nodeID), .required(.podID), .required(.name),
        .required(.nonce), .optional(.endpoint),
    ]

    public var requestID: UInt64
    /// The asking gateway.
    public var gateway: NodeID
    public var pod: PodID
    public var prefix: ServiceName
    /// 8 to 64 random bytes, echoed in the grant or deny.
    public var nonce: [UInt8]
    /// The instance's endpoint, for the SPA's records and policy.
    public var endpoint: Endpoint?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, gateway: NodeID, pod: PodID, prefix: ServiceName, nonce: [UInt8],
                endpoint: Endpoint? = nil, extensions: [RawElement] = []) {
        self.requestID = requestID
        self.gateway = gateway
        self.pod = pod
        self.prefix = prefix
        self.nonce = nonce
        self.endpoint = endpoint
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        gateway = try fields.identifier(.nodeID)
        pod = try fields.identifier(.podID)
        prefix = try fields.element(.name)
        nonce = try fields.data(.nonce, length: Limits.nonceBytes)
        endpoint = try fields.optionalElement(.endpoint)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.nodeID, identifier: gateway)
        writer.write(.podID, identifier: pod)
        writer.write(.name, element: prefix)
        writer.write(.nonce, bytes: nonce)
        if let endpoint { writer.write(.endpoint, element: endpoint) }
        writer.write(extensions)
    }
}
