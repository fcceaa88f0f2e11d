/// Class 2 adjacency hello (draft-li-icnrg-damc §7.1 step 3; the two-way
/// check of IS-IS/OSPF): sent on every link at the hello interval. A
/// neighbour is up once it lists us among the nodes it hears.
/// docs/wire.md §5.2.
public struct Hello: WireMessage {
    public static let messageType = MessageType.hello
    public static let context: StaticString = "Hello"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.role), .required(.helloInterval),
        .required(.deadInterval), .required(.flags),
        .repeated(.neighbor, max: Limits.maxHelloNeighbors), .trailer(.authTrailer),
    ]

    public var sender: NodeID
    public var role: NodeRole
    /// Milliseconds between hellos; at least 1.
    public var helloIntervalMs: UInt32
    /// Milliseconds without a hello after which the sender's neighbours
    /// drop it; at least `helloIntervalMs`.
    public var deadIntervalMs: UInt32
    public var flags: HelloFlags
    /// Nodes whose hellos the sender has heard on this link within their
    /// dead interval.
    public var neighbors: [NodeID]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]
    public var trailer: AuthTrailer?

    public init(sender: NodeID, role: NodeRole, helloIntervalMs: UInt32, deadIntervalMs: UInt32,
                flags: HelloFlags = [], neighbors: [NodeID] = [], extensions: [RawElement] = [],
                trailer: AuthTrailer? = nil) {
        self.sender = sender
        self.role = role
        self.helloIntervalMs = helloIntervalMs
        self.deadIntervalMs = deadIntervalMs
        self.flags = flags
        self.neighbors = neighbors
        self.extensions = extensions
        self.trailer = trailer
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        sender = try fields.identifier(.nodeID)
        let rawRole = try fields.integer(.role)
        guard let role = NodeRole(rawValue: rawRole) else {
            throw .invalidValue(what: "Role in Hello", reason: "unknown role \(rawRole)")
        }
        self.role = role
        helloIntervalMs = UInt32(try fields.integer(.helloInterval, max: UInt64(UInt32.max)))
        deadIntervalMs = UInt32(try fields.integer(.deadInterval, max: UInt64(UInt32.max)))
        guard helloIntervalMs >= 1 else {
            throw .invalidValue(what: "HelloInterval in Hello", reason: "must be at least 1 ms")
        }
        guard deadIntervalMs >= helloIntervalMs else {
            throw .invalidValue(what: "DeadInterval in Hello",
                                reason: "\(deadIntervalMs) ms is shorter than the hello interval \(helloIntervalMs) ms")
        }
        flags = HelloFlags(rawValue: try fields.integer(.flags))
        neighbors = try fields.identifiers(.neighbor)
        extensions = fields.unknown
        trailer = try fields.optionalElement(.authTrailer)
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: sender)
        writer.write(.role, integer: role.rawValue)
        writer.write(.helloInterval, integer: UInt64(helloIntervalMs))
        writer.write(.deadInterval, integer: UInt64(deadIntervalMs))
        writer.write(.flags, integer: flags.rawValue)
        for neighbor in neighbors { writer.write(.neighbor, identifier: neighbor) }
        writer.write(extensions)
        if let trailer { writer.write(.authTrailer, element: trailer) }
    }
}
