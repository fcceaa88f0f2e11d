/// The registry of element TLV-TYPEs (docs/wire.md §3).
///
/// One registry is shared by every message, so an element has the same
/// meaning wherever it appears. The low bit of a TLV-TYPE says what a
/// receiver that does not know the type must do (docs/wire.md §2.3):
/// odd types are *critical* (the message is rejected), even types are
/// *non-critical* (the element is skipped and kept verbatim).
public struct ElementType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Whether a receiver that does not know this type must reject the
    /// message containing it.
    @inlinable public var isCritical: Bool { Self.isCritical(rawValue) }

    /// The criticality rule for a raw TLV-TYPE: odd is critical.
    @inlinable public static func isCritical(_ type: UInt64) -> Bool { type & 1 == 1 }

    // Common elements (0x01-0x1F)
    public static let name = ElementType(rawValue: 0x01)
    public static let nameComponent = ElementType(rawValue: 0x03)
    public static let nodeID = ElementType(rawValue: 0x05)
    public static let podID = ElementType(rawValue: 0x07)
    public static let endpoint = ElementType(rawValue: 0x09)
    public static let address = ElementType(rawValue: 0x0B)
    public static let port = ElementType(rawValue: 0x0D)
    public static let requestID = ElementType(rawValue: 0x0F)
    public static let reasonCode = ElementType(rawValue: 0x11)
    public static let reasonText = ElementType(rawValue: 0x12)
    public static let flags = ElementType(rawValue: 0x13)

    // Class 1: pod and SG (0x20-0x2F)
    public static let weight = ElementType(rawValue: 0x21)
    public static let answerStatus = ElementType(rawValue: 0x23)
    public static let grantExpiry = ElementType(rawValue: 0x24)
    /// A pod's shared secret on class 1 over TCP (critical: a gateway that
    /// does not know it must not accept the message as unauthenticated).
    public static let podToken = ElementType(rawValue: 0x25)

    // Class 2: SG and SR (0x30-0x5F)
    public static let role = ElementType(rawValue: 0x31)
    public static let helloInterval = ElementType(rawValue: 0x33)
    public static let deadInterval = ElementType(rawValue: 0x35)
    public static let neighbor = ElementType(rawValue: 0x37)
    public static let lsa = ElementType(rawValue: 0x39)
    public static let lsaType = ElementType(rawValue: 0x3B)
    public static let lsaFragment = ElementType(rawValue: 0x3D)
    public static let lsaSequence = ElementType(rawValue: 0x3F)
    public static let lsaLifetime = ElementType(rawValue: 0x41)
    public static let lsaChecksum = ElementType(rawValue: 0x43)
    public static let lsaHeader = ElementType(rawValue: 0x45)
    public static let lsaKey = ElementType(rawValue: 0x47)
    public static let adjacency = ElementType(rawValue: 0x49)
    public static let cost = ElementType(rawValue: 0x4B)
    public static let capacity = ElementType(rawValue: 0x4D)
    public static let linkID = ElementType(rawValue: 0x4E)
    public static let prefixEntry = ElementType(rawValue: 0x4F)
    public static let metric = ElementType(rawValue: 0x51)
    public static let authTrailer = ElementType(rawValue: 0x53)
    public static let keyNumber = ElementType(rawValue: 0x55)
    public static let authSequence = ElementType(rawValue: 0x57)
    public static let mac = ElementType(rawValue: 0x59)

    // Class 3: SG and SPA (0x60-0x7F)
    public static let nonce = ElementType(rawValue: 0x61)
    public static let grant = ElementType(rawValue: 0x63)
    public static let notBefore = ElementType(rawValue: 0x65)
    public static let notAfter = ElementType(rawValue: 0x67)
    public static let serial = ElementType(rawValue: 0x69)
    public static let keyID = ElementType(rawValue: 0x6B)
    public static let signature = ElementType(rawValue: 0x6D)

    // Class 4: SG/SR and SCSC (0x80-0xAF)
    public static let timestamp = ElementType(rawValue: 0x81)
    public static let instanceReport = ElementType(rawValue: 0x83)
    public static let rtt = ElementType(rawValue: 0x85)
    public static let loss = ElementType(rawValue: 0x87)
    public static let available = ElementType(rawValue: 0x89)
    public static let linkReport = ElementType(rawValue: 0x8B)
    public static let load = ElementType(rawValue: 0x8D)
    public static let policyID = ElementType(rawValue: 0x8F)
    public static let policyVersion = ElementType(rawValue: 0x91)
    public static let match = ElementType(rawValue: 0x93)
    public static let flowClass = ElementType(rawValue: 0x95)
    public static let action = ElementType(rawValue: 0x97)
    public static let path = ElementType(rawValue: 0x99)
    public static let targetGateway = ElementType(rawValue: 0x9B)
    public static let targetInstance = ElementType(rawValue: 0x9D)
    public static let lifetime = ElementType(rawValue: 0x9F)
    public static let policyStatus = ElementType(rawValue: 0xA1)

    // Forwarding plane: hop to hop (0xB0-0xBF)
    public static let flowID = ElementType(rawValue: 0xB1)
    public static let hopLimit = ElementType(rawValue: 0xB3)
    public static let applicationProtocol = ElementType(rawValue: 0xB5)
    public static let forwardStatus = ElementType(rawValue: 0xB7)
    public static let traceHop = ElementType(rawValue: 0xB9)
    public static let resumeToken = ElementType(rawValue: 0xBB)

    /// Every registered element type with its name (docs/wire.md §3).
    public static let registry: [(ElementType, String)] = [
        (.name, "Name"), (.nameComponent, "NameComponent"), (.nodeID, "NodeID"),
        (.podID, "PodID"), (.endpoint, "Endpoint"), (.address, "Address"), (.port, "Port"),
        (.requestID, "RequestID"), (.reasonCode, "ReasonCode"), (.reasonText, "ReasonText"),
        (.flags, "Flags"), (.weight, "Weight"), (.answerStatus, "AnswerStatus"),
        (.grantExpiry, "GrantExpiry"), (.role, "Role"), (.helloInterval, "HelloInterval"),
        (.deadInterval, "DeadInterval"), (.neighbor, "Neighbor"), (.lsa, "LSA"),
        (.lsaType, "LSAType"), (.lsaFragment, "LSAFragment"), (.lsaSequence, "LSASequence"),
        (.lsaLifetime, "LSALifetime"), (.lsaChecksum, "LSAChecksum"), (.lsaHeader, "LSAHeader"),
        (.lsaKey, "LSAKey"), (.adjacency, "Adjacency"), (.cost, "Cost"), (.capacity, "Capacity"),
        (.linkID, "LinkID"), (.prefixEntry, "PrefixEntry"), (.metric, "Metric"),
        (.authTrailer, "AuthTrailer"), (.keyNumber, "KeyNumber"), (.authSequence, "AuthSequence"),
        (.mac, "MAC"), (.nonce, "Nonce"), (.grant, "Grant"), (.notBefore, "NotBefore"),
        (.notAfter, "NotAfter"), (.serial, "Serial"), (.keyID, "KeyID"), (.signature, "Signature"),
        (.timestamp, "Timestamp"), (.instanceReport, "InstanceReport"), (.rtt, "RTT"),
        (.loss, "Loss"), (.available, "Available"), (.linkReport, "LinkReport"), (.load, "Load"),
        (.policyID, "PolicyID"), (.policyVersion, "PolicyVersion"), (.match, "Match"),
        (.flowClass, "FlowClass"), (.action, "Action"), (.path, "Path"),
        (.targetGateway, "TargetGateway"), (.targetInstance, "TargetInstance"),
        (.lifetime, "Lifetime"), (.policyStatus, "PolicyStatus"),
        (.flowID, "FlowID"), (.hopLimit, "HopLimit"), (.applicationProtocol, "Protocol"),
        (.forwardStatus, "ForwardStatus"), (.traceHop, "TraceHop"),
        (.resumeToken, "ResumeToken"),
    ]

    private static let names: [UInt64: String] = Dictionary(
        uniqueKeysWithValues: registry.map { ($0.0.rawValue, $0.1) })

    /// A readable name for a raw type: the registry name, or `type N`.
    public static func name(of type: UInt64) -> String {
        names[type] ?? "type \(type)"
    }

    public var description: String { Self.name(of: rawValue) }
}
