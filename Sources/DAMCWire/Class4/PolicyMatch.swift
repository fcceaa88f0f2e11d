/// Which calls a QoS forwarding policy applies to: names under a prefix,
/// optionally only one flow class.
public struct PolicyMatch: WireElement {
    static let schema: [FieldSpec] = [.required(.name), .optional(.flowClass)]

    public var prefix: ServiceName
    /// 0...255; absent matches every class.
    public var flowClass: UInt8?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(prefix: ServiceName, flowClass: UInt8? = nil, extensions: [RawElement] = []) {
        self.prefix = prefix
        self.flowClass = flowClass
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Match")
        prefix = try fields.element(.name)
        flowClass = try fields.optionalInteger(.flowClass, max: 255).map { UInt8($0) }
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .match) {
        writer.nested(type) { writer in
            writer.write(.name, element: prefix)
            if let flowClass { writer.write(.flowClass, integer: UInt64(flowClass)) }
            writer.write(extensions)
        }
    }
}

/// An explicit path: the nodes a call visits, first hop first.
public struct ExplicitPath: WireElement {
    static let schema: [FieldSpec] = [.repeated(.nodeID, min: 1, max: Limits.maxPathHops)]

    public var hops: [NodeID]

    public init(hops: [NodeID]) { self.hops = hops }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Path")
        guard fields.unknown.isEmpty else {
            throw .invalidValue(what: "Path", reason: "holds elements other than NodeID")
        }
        hops = try fields.identifiers(.nodeID)
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .path) {
        writer.nested(type) { writer in
            for hop in hops { writer.write(.nodeID, identifier: hop) }
        }
    }
}

/// What a QoS forwarding policy does with matching calls: follow an
/// explicit path, go to a chosen gateway, reach a chosen instance, or a
/// combination. At least one is present.
public struct PolicyAction: WireElement {
    static let schema: [FieldSpec] = [
        .optional(.path), .optional(.targetGateway), .optional(.targetInstance),
    ]

    public var path: ExplicitPath?
    public var targetGateway: NodeID?
    public var targetInstance: Endpoint?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(path: ExplicitPath? = nil, targetGateway: NodeID? = nil, targetInstance: Endpoint? = nil,
                extensions: [RawElement] = []) {
        self.path = path
        self.targetGateway = targetGateway
        self.targetInstance = targetInstance
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Action")
        path = try fields.optionalElement(.path)
        targetGateway = try fields.optionalIdentifier(.targetGateway)
        targetInstance = try fields.optionalElement(.targetInstance)
        extensions = fields.unknown
        guard path != nil || targetGateway != nil || targetInstance != nil else {
            throw .invalidValue(what: "Action", reason: "names no path, gateway or instance")
        }
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .action) {
        writer.nested(type) { writer in
            if let path { writer.write(.path, element: path) }
            if let targetGateway { writer.write(.targetGateway, identifier: targetGateway) }
            if let targetInstance { writer.write(.targetInstance, element: targetInstance) }
            writer.write(extensions)
        }
    }
}
