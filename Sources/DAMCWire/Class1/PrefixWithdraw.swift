/// Class 1, pod to SG: "this instance no longer serves this prefix"
/// (draft-li-icnrg-damc §4 Figure 3 class 1). docs/wire.md §5.1.
public struct PrefixWithdraw: WireMessage {
    public static let messageType = MessageType.prefixWithdraw
    public static let context: StaticString = "PrefixWithdraw"
    public static let schema: [FieldSpec] = [
        .required(.requestID), .required(.podID), .required(.name), .required(.endpoint), .optional(.podToken),
    ]

    public var requestID: UInt64
    public var pod: PodID
    public var prefix: ServiceName
    /// The instance being withdrawn (a pod may run several).
    public var endpoint: Endpoint
    /// The pod's token over TCP (as in `PrefixAnnounce`).
    public var token: [UInt8]?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, pod: PodID, prefix: ServiceName, endpoint: Endpoint, token: [UInt8]? = nil,
                extensions: [RawElement] = []) {
        self.token = token
        self.requestID = requestID
        self.pod = pod
        self.prefix = prefix
        self.endpoint = endpoint
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        pod = try fields.identifier(.podID)
        prefix = try fields.element(.name)
        endpoint = try fields.element(.endpoint)
        token = fields.range(.podToken) == nil ? nil : try fields.data(.podToken, length: Limits.podTokenBytes)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.podID, identifier: pod)
        writer.write(.name, element: prefix)
        writer.write(.endpoint, element: endpoint)
        if let token { writer.write(.podToken, bytes: token) }
        writer.write(extensions)
    }
}
