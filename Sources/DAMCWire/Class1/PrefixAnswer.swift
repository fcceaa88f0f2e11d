/// The outcome of an announce as the SG tells the pod.
public enum AnswerStatus: UInt64, Hashable, Sendable, CaseIterable {
    /// The SPA granted the prefix; the SG advertises it.
    case granted = 0
    /// The SPA (or the SG) refused; `reason` says why.
    case denied = 1
    /// The SG is still waiting for the SPA; a final answer follows.
    case pending = 2
}

/// Class 1, SG to pod: the answer to `PrefixAnnounce` or `PrefixWithdraw`
/// (draft-li-icnrg-damc §5 step 2). docs/wire.md §5.1.
public struct PrefixAnswer: WireMessage {
    public static let messageType = MessageType.prefixAnswer
    public static let context: StaticString = "PrefixAnswer"
    public static let schema: [FieldSpec] = [
        .required(.requestID), .required(.name), .required(.answerStatus),
        .optional(.reasonCode), .optional(.reasonText), .optional(.grantExpiry),
    ]

    public var requestID: UInt64
    public var prefix: ServiceName
    public var status: AnswerStatus
    /// Required when `status` is `.denied`.
    public var reason: ReasonCode?
    /// Human-readable detail, at most `Limits.maxReasonBytes` bytes.
    public var reasonText: String?
    /// When granted: the grant's end of validity, Unix seconds.
    public var grantExpiry: UInt64?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(requestID: UInt64, prefix: ServiceName, status: AnswerStatus, reason: ReasonCode? = nil,
                reasonText: String? = nil, grantExpiry: UInt64? = nil, extensions: [RawElement] = []) {
        self.requestID = requestID
        self.prefix = prefix
        self.status = status
        self.reason = reason
        self.reasonText = reasonText
        self.grantExpiry = grantExpiry
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        requestID = try fields.integer(.requestID)
        prefix = try fields.element(.name)
        let rawStatus = try fields.integer(.answerStatus)
        guard let status = AnswerStatus(rawValue: rawStatus) else {
            throw .invalidValue(what: "AnswerStatus", reason: "unknown status \(rawStatus)")
        }
        self.status = status
        reason = try fields.optionalInteger(.reasonCode, max: UInt64(UInt16.max)).map { ReasonCode(rawValue: UInt16($0)) }
        if status == .denied && reason == nil {
            throw .missingElement(type: ElementType.reasonCode.rawValue, in: "PrefixAnswer (denied)")
        }
        reasonText = try fields.optionalText(.reasonText, maxBytes: Limits.maxReasonBytes)
        grantExpiry = try fields.optionalInteger(.grantExpiry)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.requestID, integer: requestID)
        writer.write(.name, element: prefix)
        writer.write(.answerStatus, integer: status.rawValue)
        if let reason { writer.write(.reasonCode, integer: UInt64(reason.rawValue)) }
        if let reasonText { writer.write(.reasonText, text: reasonText) }
        if let grantExpiry { writer.write(.grantExpiry, integer: grantExpiry) }
        writer.write(extensions)
    }
}
