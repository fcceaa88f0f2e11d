/// The application protocol a call carries after the forwarding header
/// (docs/wire.md §5.8). Only the ingress and the egress look inside; the
/// hops between them move bytes.
public struct ApplicationProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// HTTP/1.1 requests and responses (RFC 9112), one call per connection.
    public static let http1 = ApplicationProtocol(rawValue: 1)
    /// Reserved: HTTP/2 (RFC 9113) and gRPC over it.
    public static let http2 = ApplicationProtocol(rawValue: 2)
    /// Fetches a response parked on a multiplexed connection (docs/wire.md
    /// §5.9): the header names the parking gateway (`targetGateway`) and
    /// carries its `resumeToken`; the request head follows as for HTTP/1.1.
    public static let resume = ApplicationProtocol(rawValue: 3)
    /// Turns the connection into a multiplexed one (docs/wire.md §5.9): no
    /// call follows; a hop that knows it answers `connected`.
    public static let multiplex = ApplicationProtocol(rawValue: 4)
    /// No call follows: the hops answer with their decisions (`damcctl trace`).
    public static let trace = ApplicationProtocol(rawValue: 255)

    public var description: String {
        switch rawValue {
        case 1: return "http/1.1"
        case 2: return "h2"
        case 3: return "resume"
        case 4: return "multiplex"
        case 255: return "trace"
        default: return "protocol-\(rawValue)"
        }
    }
}

/// Opens a call on a hop-to-hop TCP connection of the forwarding plane
/// (draft-li-icnrg-damc §7.2; docs/wire.md §5.8). The ingress gateway sends
/// it first on a connection to its next hop; every hop reads it, chooses
/// the next hop from its policy table or its FIB, and sends it on with the
/// hop limit one lower. The application's bytes follow it unchanged.
public struct ForwardHeader: WireMessage {
    public static let messageType = MessageType.forwardHeader
    public static let context: StaticString = "ForwardHeader"
    public static let schema: [FieldSpec] = [
        .required(.name), .required(.flowID), .required(.hopLimit), .required(.nodeID),
        .optional(.policyID), .required(.applicationProtocol), .optional(.targetGateway), .optional(.resumeToken),
    ]

    /// The name the call is addressed to (the request path, whole).
    public var name: ServiceName
    /// Identifies the call end to end; hops hash it to choose among
    /// equal-cost next hops, so one call keeps one path.
    public var flowID: UInt64
    /// Hops left; a hop that receives 0 refuses the call (hop-limit-exceeded).
    public var hopLimit: UInt8
    /// The gateway where the call entered DAMC (errors name it in logs).
    public var origin: NodeID
    /// The policy that steers the call, when the scheduling centre installed one.
    public var policyID: UInt64?
    public var applicationProtocol: ApplicationProtocol
    /// Set by a gateway that has no healthy instance and sends the call on
    /// to another gateway that serves the name: the hops route to that
    /// gateway (not by name, which could lead back), and it does not send
    /// the call on again, so gateways without instances never bounce a call.
    public var targetGateway: NodeID?
    /// A resume call's token (protocol `resume` only, where it is required,
    /// as `targetGateway` is).
    public var resumeToken: UInt64?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(name: ServiceName, flowID: UInt64, hopLimit: UInt8, origin: NodeID, policyID: UInt64? = nil,
                applicationProtocol: ApplicationProtocol = .http1, targetGateway: NodeID? = nil, resumeToken: UInt64? = nil,
                extensions: [RawElement] = []) {
        self.name = name
        self.flowID = flowID
        self.hopLimit = hopLimit
        self.origin = origin
        self.policyID = policyID
        self.applicationProtocol = applicationProtocol
        self.targetGateway = targetGateway
        self.resumeToken = resumeToken
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        name = try fields.element(.name)
        flowID = try fields.integer(.flowID)
        hopLimit = UInt8(try fields.integer(.hopLimit, max: UInt64(UInt8.max)))
        origin = try fields.identifier(.nodeID)
        policyID = try fields.optionalInteger(.policyID)
        applicationProtocol = ApplicationProtocol(rawValue: UInt8(try fields.integer(.applicationProtocol, max: UInt64(UInt8.max))))
        targetGateway = try fields.optionalIdentifier(.targetGateway)
        resumeToken = try fields.optionalInteger(.resumeToken)
        if applicationProtocol == .resume {
            if resumeToken == nil { throw .missingElement(type: ElementType.resumeToken.rawValue, in: "ForwardHeader (resume)") }
            if targetGateway == nil { throw .missingElement(type: ElementType.targetGateway.rawValue, in: "ForwardHeader (resume)") }
        }
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.name, element: name)
        writer.write(.flowID, integer: flowID)
        writer.write(.hopLimit, integer: UInt64(hopLimit))
        writer.write(.nodeID, identifier: origin)
        if let policyID { writer.write(.policyID, integer: policyID) }
        writer.write(.applicationProtocol, integer: UInt64(applicationProtocol.rawValue))
        if let targetGateway { writer.write(.targetGateway, identifier: targetGateway) }
        if let resumeToken { writer.write(.resumeToken, integer: resumeToken) }
        writer.write(extensions)
    }
}
