/// Whether a node installed a policy.
public enum PolicyStatus: UInt64, Hashable, Sendable, CaseIterable {
    case installed = 0
    case rejected = 1
}

/// Class 4, SG/SR to SCSC: acknowledges a `PolicyInstall` or
/// `PolicyWithdraw` of one version. docs/wire.md §5.7.
public struct PolicyAck: WireMessage {
    public static let messageType = MessageType.policyAck
    public static let context: StaticString = "PolicyAck"
    public static let schema: [FieldSpec] = [
        .required(.policyID), .required(.policyVersion), .required(.nodeID),
        .required(.policyStatus), .optional(.reasonText),
    ]

    public var policyID: UInt64
    public var version: UInt64
    /// The acknowledging node.
    public var node: NodeID
    public var status: PolicyStatus
    public var reasonText: String?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(policyID: UInt64, version: UInt64, node: NodeID, status: PolicyStatus,
                reasonText: String? = nil, extensions: [RawElement] = []) {
        self.policyID = policyID
        self.version = version
        self.node = node
        self.status = status
        self.reasonText = reasonText
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        policyID = try fields.integer(.policyID)
        version = try fields.integer(.policyVersion)
        node = try fields.identifier(.nodeID)
        let raw = try fields.integer(.policyStatus)
        guard let status = PolicyStatus(rawValue: raw) else {
            throw .invalidValue(what: "PolicyStatus", reason: "unknown status \(raw)")
        }
        self.status = status
        reasonText = try fields.optionalText(.reasonText, maxBytes: Limits.maxReasonBytes)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.policyID, integer: policyID)
        writer.write(.policyVersion, integer: version)
        writer.write(.nodeID, identifier: node)
        writer.write(.policyStatus, integer: status.rawValue)
        if let reasonText { writer.write(.reasonText, text: reasonText) }
        writer.write(extensions)
    }
}
