/// One hop's decision for a call, as `damcctl trace` shows it
/// (docs/wire.md §5.8): which node, which table entry it used (a policy or
/// the longest FIB prefix), and where it sent the call (the next node, or
/// the instance at the egress gateway).
public struct TraceHop: WireElement {
    static let schema: [FieldSpec] = [
        .required(.nodeID), .optional(.name), .optional(.policyID), .optional(.neighbor), .optional(.endpoint),
    ]

    public var node: NodeID
    /// The FIB prefix that matched (absent when a policy decided).
    public var matched: ServiceName?
    /// The policy that decided, if one did.
    public var policyID: UInt64?
    /// The next node the call went to.
    public var nextNode: NodeID?
    /// The instance the egress gateway chose.
    public var instance: Endpoint?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(node: NodeID, matched: ServiceName? = nil, policyID: UInt64? = nil, nextNode: NodeID? = nil,
                instance: Endpoint? = nil, extensions: [RawElement] = []) {
        self.node = node
        self.matched = matched
        self.policyID = policyID
        self.nextNode = nextNode
        self.instance = instance
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "TraceHop")
        node = try fields.identifier(.nodeID)
        matched = try fields.optionalElement(.name)
        policyID = try fields.optionalInteger(.policyID)
        nextNode = try fields.optionalIdentifier(.neighbor)
        instance = try fields.optionalElement(.endpoint)
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .traceHop) {
        writer.nested(type) { writer in
            writer.write(.nodeID, identifier: node)
            if let matched { writer.write(.name, element: matched) }
            if let policyID { writer.write(.policyID, integer: policyID) }
            if let nextNode { writer.write(.neighbor, identifier: nextNode) }
            if let instance { writer.write(.endpoint, element: instance) }
            writer.write(extensions)
        }
    }
}
