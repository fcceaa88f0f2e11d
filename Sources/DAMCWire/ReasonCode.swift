/// Why a prefix was denied or revoked (docs/wire.md §5.1, §5.3). Carried as
/// a 16-bit code so that a newer SPA can add codes; an unknown code is kept
/// and shown as its number.
public struct ReasonCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The policy does not allow this pod on this gateway to serve the prefix.
    public static let notAuthorized = ReasonCode(rawValue: 1)
    /// The pod is not known to the gateway or the SPA.
    public static let unknownPod = ReasonCode(rawValue: 2)
    /// The gateway is not known to the SPA.
    public static let unknownGateway = ReasonCode(rawValue: 3)
    /// The request was malformed.
    public static let malformed = ReasonCode(rawValue: 4)
    /// The grant expired and was not renewed.
    public static let expired = ReasonCode(rawValue: 5)
    /// The SPA revoked the grant.
    public static let revoked = ReasonCode(rawValue: 6)
    /// The SPA could not be reached; the request stays pending.
    public static let spaUnreachable = ReasonCode(rawValue: 7)
    /// An internal error at the sender.
    public static let internalError = ReasonCode(rawValue: 8)

    // Forwarding plane (docs/wire.md §5.8): why a hop could not carry a call.
    /// No policy and no FIB entry matches the name at this hop.
    public static let noRoute = ReasonCode(rawValue: 16)
    /// The hop limit reached zero (a forwarding loop, or a path too long).
    public static let hopLimitExceeded = ReasonCode(rawValue: 17)
    /// The chosen next hop did not accept the connection.
    public static let nextHopDown = ReasonCode(rawValue: 18)
    /// The gateway serving the name has no healthy instance of it.
    public static let noHealthyInstance = ReasonCode(rawValue: 19)
    /// The hop is at its limit of concurrent calls.
    public static let overloaded = ReasonCode(rawValue: 20)
    /// The next hop or the instance did not answer in time.
    public static let timeout = ReasonCode(rawValue: 21)

    public var description: String {
        switch rawValue {
        case 1: return "not-authorized"
        case 2: return "unknown-pod"
        case 3: return "unknown-gateway"
        case 4: return "malformed"
        case 5: return "expired"
        case 6: return "revoked"
        case 7: return "spa-unreachable"
        case 8: return "internal-error"
        case 16: return "no-route"
        case 17: return "hop-limit-exceeded"
        case 18: return "next-hop-down"
        case 19: return "no-healthy-instance"
        case 20: return "overloaded"
        case 21: return "timeout"
        default: return "code-\(rawValue)"
        }
    }
}
