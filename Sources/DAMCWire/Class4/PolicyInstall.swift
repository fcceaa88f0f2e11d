/// Class 4, SCSC to SG/SR: install or refresh a QoS forwarding policy
/// (draft-li-icnrg-damc §6 item 4; RFC 8735 §6: central instructions win
/// while they live, distributed routing takes over when they expire).
/// A node keeps the highest version per policy id. docs/wire.md §5.7.
public struct PolicyInstall: WireMessage {
    public static let messageType = MessageType.policyInstall
    public static let context: StaticString = "PolicyInstall"
    public static let schema: [FieldSpec] = [
        .required(.policyID), .required(.policyVersion), .required(.nodeID),
        .required(.match), .required(.action), .required(.lifetime),
    ]

    public var policyID: UInt64
    public var version: UInt64
    /// The SCSC that issued it.
    public var issuer: NodeID
    public var match: PolicyMatch
    public var action: PolicyAction
    /// Seconds the policy lives from receipt unless refreshed; at least 1.
    public var lifetimeSeconds: UInt32
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(policyID: UInt64, version: UInt64, issuer: NodeID, match: PolicyMatch, action: PolicyAction,
                lifetimeSeconds: UInt32, extensions: [RawElement] = []) {
        self.policyID = policyID
        self.version = version
        self.issuer = issuer
        self.match = match
        self.action = action
        self.lifetimeSeconds = lifetimeSeconds
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        policyID = try fields.integer(.policyID)
        version = try fields.integer(.policyVersion)
        issuer = try fields.identifier(.nodeID)
        match = try fields.element(.match)
        action = try fields.element(.action)
        lifetimeSeconds = UInt32(try fields.integer(.lifetime, max: UInt64(UInt32.max)))
        guard lifetimeSeconds >= 1 else {
            throw .invalidValue(what: "Lifetime in PolicyInstall", reason: "must be at least 1 s")
        }
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.policyID, integer: policyID)
        writer.write(.policyVersion, integer: version)
        writer.write(.nodeID, identifier: issuer)
        writer.write(.match, element: match)
        writer.write(.action, element: action)
        writer.write(.lifetime, integer: UInt64(lifetimeSeconds))
        writer.write(extensions)
    }
}
