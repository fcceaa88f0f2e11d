/// Whether the hops could carry a call.
public enum ForwardStatus: UInt64, Hashable, Sendable, CaseIterable {
    /// The egress gateway reached an instance; the response follows.
    case connected = 0
    /// A hop refused or failed; `reason` and `node` say which and why.
    case failed = 1
    /// On a multiplexed connection (docs/wire.md §5.9): nothing was done;
    /// send the call on a connection of its own.
    case dedicated = 2
    /// On a multiplexed connection: the response is too large to come back
    /// whole; it waits at `node`, fetched by a resume call with `resumeToken`.
    case parked = 3
}

/// The first bytes that come back on a forwarding connection (docs/wire.md
/// §5.8): sent by the egress gateway once it reached an instance, or by the
/// first hop that could not go on, so the ingress learns *which* hop failed
/// and why instead of seeing a silent close (DESIGN.md §2a). The hops in
/// between relay it unchanged. For a trace, it carries every hop's decision.
public struct ForwardReply: WireMessage {
    public static let messageType = MessageType.forwardReply
    public static let context: StaticString = "ForwardReply"
    public static let schema: [FieldSpec] = [
        .required(.forwardStatus), .required(.nodeID), .optional(.reasonCode), .optional(.reasonText),
        .repeated(.traceHop, max: Limits.maxPathHops), .optional(.resumeToken),
    ]

    public var status: ForwardStatus
    /// The node that answered: the egress gateway, or the hop that failed.
    public var node: NodeID
    public var reason: ReasonCode?
    public var reasonText: String?
    /// The hops' decisions, ingress first (trace replies only).
    public var trace: [TraceHop]
    /// Where a parked response is fetched (status `parked` only, where it
    /// is required).
    public var resumeToken: UInt64?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(status: ForwardStatus, node: NodeID, reason: ReasonCode? = nil, reasonText: String? = nil,
                trace: [TraceHop] = [], resumeToken: UInt64? = nil, extensions: [RawElement] = []) {
        self.status = status
        self.node = node
        self.reason = reason
        self.reasonText = reasonText
        self.trace = trace
        self.resumeToken = resumeToken
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        let raw = try fields.integer(.forwardStatus)
        guard let status = ForwardStatus(rawValue: raw) else {
            throw .invalidValue(what: "ForwardStatus", reason: "unknown status \(raw)")
        }
        self.status = status
        node = try fields.identifier(.nodeID)
        reason = try fields.optionalInteger(.reasonCode, max: UInt64(UInt16.max)).map { ReasonCode(rawValue: UInt16($0)) }
        if status == .failed && reason == nil {
            throw .missingElement(type: ElementType.reasonCode.rawValue, in: "ForwardReply (failed)")
        }
        reasonText = try fields.optionalText(.reasonText, maxBytes: Limits.maxReasonBytes)
        trace = try fields.elements(.traceHop)
        resumeToken = try fields.optionalInteger(.resumeToken)
        if status == .parked && resumeToken == nil {
            throw .missingElement(type: ElementType.resumeToken.rawValue, in: "ForwardReply (parked)")
        }
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.forwardStatus, integer: status.rawValue)
        writer.write(.nodeID, identifier: node)
        if let reason { writer.write(.reasonCode, integer: UInt64(reason.rawValue)) }
        if let reasonText { writer.write(.reasonText, text: reasonText) }
        for hop in trace { writer.write(.traceHop, element: hop) }
        if let resumeToken { writer.write(.resumeToken, integer: resumeToken) }
        writer.write(extensions)
    }
}
