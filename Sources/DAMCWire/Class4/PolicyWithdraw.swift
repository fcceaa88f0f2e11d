/// Class 4, SCSC to SG/SR: remove a policy now (its condition cleared),
/// rather than waiting for its lifetime to run out. Removes every version up
/// to and including `version`. docs/wire.md §5.7.
public struct PolicyWithdraw: WireMessage {
    public static let messageType = MessageType.policyWithdraw
    public static let context: StaticString = "PolicyWithdraw"
    public static let schema: [FieldSpec] = [.required(.policyID), .required(.policyVersion), .required(.nodeID)]

    public var policyID: UInt64
    public var version: UInt64
    public var issuer: NodeID
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(policyID: UInt64, version: UInt64, issuer: NodeID, extensions: [RawElement] = []) {
        self.policyID = policyID
        self.version = version
        self.issuer = issuer
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        policyID = try fields.integer(.policyID)
        version = try fields.integer(.policyVersion)
        issuer = try fields.identifier(.nodeID)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.policyID, integer: policyID)
        writer.write(.policyVersion, integer: version)
        writer.write(.nodeID, identifier: issuer)
        writer.write(extensions)
    }
}
