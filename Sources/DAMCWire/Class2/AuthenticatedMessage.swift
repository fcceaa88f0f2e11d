/// A class-2 message that may end with an authentication trailer (hello,
/// update, ack, summary, request; docs/wire.md §5.5), so that the routing
/// engine can sign and check any of them the same way.
public protocol AuthenticatedMessage: WireMessage {
    var trailer: AuthTrailer? { get set }
}

extension Hello: AuthenticatedMessage {}
extension LinkStateUpdate: AuthenticatedMessage {}
extension LinkStateAck: AuthenticatedMessage {}
extension DatabaseSummary: AuthenticatedMessage {}
extension LinkStateRequest: AuthenticatedMessage {}

extension DAMCMessage {
    /// The authentication trailer of a class-2 message, if it has one.
    public var authTrailer: AuthTrailer? {
        switch self {
        case let .hello(message): return message.trailer
        case let .linkStateUpdate(message): return message.trailer
        case let .linkStateAck(message): return message.trailer
        case let .databaseSummary(message): return message.trailer
        case let .linkStateRequest(message): return message.trailer
        default: return nil
        }
    }
}
