/// The registry of message types: the TLV-TYPE of the outermost element
/// of every DAMC message (docs/wire.md §3.1). The high nibble hints at the
/// signalling class of draft-li-icnrg-damc Figure 3 (0xC = class 1,
/// 0xD = 2, 0xE = 3, 0xF = 4).
public enum MessageType: UInt64, CaseIterable, Sendable, CustomStringConvertible {
    // Class 1: pod to SG (draft §4, §7.1 step 1)
    case prefixAnnounce = 0xC1
    case prefixWithdraw = 0xC2
    case prefixAnswer = 0xC3
    // Class 2: SG and SR (draft §4, §7.1 steps 3-5)
    case hello = 0xD1
    case linkStateUpdate = 0xD2
    case linkStateAck = 0xD3
    case databaseSummary = 0xD4
    case linkStateRequest = 0xD5
    // Class 3: SG to SPA (draft §5 step 2, §7.1 step 2)
    case authRequest = 0xE1
    case authGrant = 0xE2
    case authDeny = 0xE3
    case revoke = 0xE4
    // Class 4: SG/SR and SCSC (draft §6 items 3 and 4)
    case telemetry = 0xF1
    case policyInstall = 0xF2
    case policyAck = 0xF3
    case policyWithdraw = 0xF4
    // Forwarding plane: opens a call on a hop-to-hop TCP connection
    case forwardHeader = 0xF8
    case forwardReply = 0xF9

    /// The signalling class (1 to 4) of draft-li-icnrg-damc Figure 3.
    public var signallingClass: Int { Int(rawValue >> 4) - 0xB }

    public var description: String {
        switch self {
        case .prefixAnnounce: return "PrefixAnnounce"
        case .prefixWithdraw: return "PrefixWithdraw"
        case .prefixAnswer: return "PrefixAnswer"
        case .hello: return "Hello"
        case .linkStateUpdate: return "LinkStateUpdate"
        case .linkStateAck: return "LinkStateAck"
        case .databaseSummary: return "DatabaseSummary"
        case .linkStateRequest: return "LinkStateRequest"
        case .authRequest: return "AuthRequest"
        case .authGrant: return "AuthGrant"
        case .authDeny: return "AuthDeny"
        case .revoke: return "Revoke"
        case .telemetry: return "Telemetry"
        case .policyInstall: return "PolicyInstall"
        case .policyAck: return "PolicyAck"
        case .policyWithdraw: return "PolicyWithdraw"
        case .forwardHeader: return "ForwardHeader"
        case .forwardReply: return "ForwardReply"
        }
    }
}
