/// Class 1, pod to SG: "this instance serves this prefix" (draft-li-icnrg-damc
/// §4 Figure 3 class 1, §7.1 step 1). The SG answers with `PrefixAnswer`
/// after asking the SPA (class 3). docs/wire.md §5.1.
public struct PrefixAnnounce: WireMessage {
    public static let messageType = MessageType.prefixAnnounce
    public static let context: StaticString = "PrefixAnnounce"
    public static let schema: [FieldSpec] = [
        .required(.requestID), .required(.podID), .required(.name),
        .required(.endpoint), .required(.weight), .optional(.podToken),
    ]

    /// Chosen by the pod; echoed in the answer.
    public var requestID: UInt64
    public var pod: PodID
    public var prefix: ServiceName
    /// Where the instance accepts calls.
    public var endpoint: Endpoint
    /// Relative load-balancing weight among instances of the prefix; 0 drains.
    public var weight: UInt16
    /// The pod's token when it talks to the gateway over TCP (a Unix
    /// socket identifies the pod by its uid instead).
    public var token: [UInt8]?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, pod: PodID, prefix: ServiceName, endpoint: Endpoint,
                weight: UInt16, token: [UInt8]? = nil, extensions: [RawElement] = []) {
        self.token = token
        self.requestID = requestID
        self.pod = pod
        self.prefix = prefix
        self.endpoint = endpoint
        self.weight = weight
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        pod = try fields.identifier(.podID)
        prefix = try fields.element(.name)
        endpoint = try fields.element(.endpoint)
        weight = UInt16(try fields.integer(.weight, max: UInt64(UInt16.max)))
        token = fields.range(.podToken) == nil ? nil : try fields.data(.podToken, length: Limits.podTokenBytes)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.podID, identifier: pod)
        writer.write(.name, element: prefix)
        writer.write(.endpoint, element: endpoint)
        writer.write(.weight, integer: UInt64(weight))
        if let token { writer.write(.podToken, bytes: token) }
        writer.write(extensions)
    }
}
