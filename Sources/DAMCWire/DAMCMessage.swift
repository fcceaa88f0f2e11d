/// Any DAMC message: the single entry point for decoding bytes from the
/// wire (docs/wire.md §2.2).
///
/// A message is one TLV: TLV-TYPE from `MessageType`, TLV-LENGTH, then a
/// value that starts with the one-byte protocol version and continues with
/// the message's elements. Over UDP a datagram holds exactly one message;
/// over a stream, messages follow each other and `frameLength(of:)` finds
/// their boundaries.
public enum DAMCMessage: Hashable, Sendable {
    case prefixAnnounce(PrefixAnnounce)
    case prefixWithdraw(PrefixWithdraw)
    case prefixAnswer(PrefixAnswer)
    case hello(Hello)
    case linkStateUpdate(LinkStateUpdate)
    case linkStateAck(LinkStateAck)
    case databaseSummary(DatabaseSummary)
    case linkStateRequest(LinkStateRequest)
    case authRequest(AuthRequest)
    case authGrant(AuthGrant)
    case authDeny(AuthDeny)
    case revoke(Revoke)
    case telemetry(Telemetry)
    case policyInstall(PolicyInstall)
    case policyAck(PolicyAck)
    case policyWithdraw(PolicyWithdraw)
    case forwardHeader(ForwardHeader)
    case forwardReply(ForwardReply)

    /// The protocol version this codec writes and accepts.
    public static let version: UInt8 = 1

    /// Decodes exactly one message that fills all of `bytes`.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> DAMCMessage {
        guard bytes.count <= Limits.maxMessageSize else {
            throw .messageTooLarge(size: bytes.count, limit: Limits.maxMessageSize)
        }
        var offset = 0
        let type = try VarNumber.read(bytes, at: &offset, end: bytes.count)
        let lengthAt = offset
        let length = try VarNumber.read(bytes, at: &offset, end: bytes.count)
        guard length <= UInt64(bytes.count - offset) else {
            throw .lengthOverrun(offset: lengthAt, type: type, length: length, available: bytes.count - offset)
        }
        let end = offset + Int(length)
        guard end == bytes.count else {
            throw .trailingBytes(offset: end, count: bytes.count - end)
        }
        guard let messageType = MessageType(rawValue: type) else {
            throw .unknownMessageType(type)
        }
        guard offset < end else {
            throw .truncated(offset: offset, needed: 1, available: 0)
        }
        guard bytes[offset] == version else {
            throw .unsupportedVersion(bytes[offset])
        }
        let elements = (offset + 1)..<end
        switch messageType {
        case .prefixAnnounce: return .prefixAnnounce(try PrefixAnnounce(decodingElements: bytes, elements))
        case .prefixWithdraw: return .prefixWithdraw(try PrefixWithdraw(decodingElements: bytes, elements))
        case .prefixAnswer: return .prefixAnswer(try PrefixAnswer(decodingElements: bytes, elements))
        case .hello: return .hello(try Hello(decodingElements: bytes, elements))
        case .linkStateUpdate: return .linkStateUpdate(try LinkStateUpdate(decodingElements: bytes, elements))
        case .linkStateAck: return .linkStateAck(try LinkStateAck(decodingElements: bytes, elements))
        case .databaseSummary: return .databaseSummary(try DatabaseSummary(decodingElements: bytes, elements))
        case .linkStateRequest: return .linkStateRequest(try LinkStateRequest(decodingElements: bytes, elements))
        case .authRequest: return .authRequest(try AuthRequest(decodingElements: bytes, elements))
        case .authGrant: return .authGrant(try AuthGrant(decodingElements: bytes, elements))
        case .authDeny: return .authDeny(try AuthDeny(decodingElements: bytes, elements))
        case .revoke: return .revoke(try Revoke(decodingElements: bytes, elements))
        case .telemetry: return .telemetry(try Telemetry(decodingElements: bytes, elements))
        case .policyInstall: return .policyInstall(try PolicyInstall(decodingElements: bytes, elements))
        case .policyAck: return .policyAck(try PolicyAck(decodingElements: bytes, elements))
        case .policyWithdraw: return .policyWithdraw(try PolicyWithdraw(decodingElements: bytes, elements))
        case .forwardHeader: return .forwardHeader(try ForwardHeader(decodingElements: bytes, elements))
        case .forwardReply: return .forwardReply(try ForwardReply(decodingElements: bytes, elements))
        }
    }

    /// For a stream receiver: given the bytes buffered so far, the size of
    /// the first complete message, or `nil` if more bytes are needed to
    /// know. Throws if the header is malformed or announces a message over
    /// `Limits.maxMessageSize` (the stream should then be closed).
    public static func frameLength(of buffer: [UInt8]) throws(WireError) -> Int? {
        var offset = 0
        let length: UInt64
        do throws(WireError) {
            _ = try VarNumber.read(buffer, at: &offset, end: buffer.count)
            length = try VarNumber.read(buffer, at: &offset, end: buffer.count)
        } catch {
            if case .truncated = error { return nil }
            throw error
        }
        guard length <= UInt64(Limits.maxMessageSize - offset) else {
            // Saturate: a 9-byte length can exceed Int.max.
            let size = length > UInt64(Int.max - offset) ? Int.max : Int(length) + offset
            throw .messageTooLarge(size: size, limit: Limits.maxMessageSize)
        }
        return offset + Int(length)
    }

    /// The message's type.
    public var messageType: MessageType { payload.messageTypeValue }

    /// The complete encoded message.
    public func encode() -> [UInt8] {
        switch self {
        case let .prefixAnnounce(m): return m.encode()
        case let .prefixWithdraw(m): return m.encode()
        case let .prefixAnswer(m): return m.encode()
        case let .hello(m): return m.encode()
        case let .linkStateUpdate(m): return m.encode()
        case let .linkStateAck(m): return m.encode()
        case let .databaseSummary(m): return m.encode()
        case let .linkStateRequest(m): return m.encode()
        case let .authRequest(m): return m.encode()
        case let .authGrant(m): return m.encode()
        case let .authDeny(m): return m.encode()
        case let .revoke(m): return m.encode()
        case let .telemetry(m): return m.encode()
        case let .policyInstall(m): return m.encode()
        case let .policyAck(m): return m.encode()
        case let .policyWithdraw(m): return m.encode()
        case let .forwardHeader(m): return m.encode()
        case let .forwardReply(m): return m.encode()
        }
    }

    /// The wrapped message as its protocol type.
    public var payload: any WireMessage {
        switch self {
        case let .prefixAnnounce(m): return m
        case let .prefixWithdraw(m): return m
        case let .prefixAnswer(m): return m
        case let .hello(m): return m
        case let .linkStateUpdate(m): return m
        case let .linkStateAck(m): return m
        case let .databaseSummary(m): return m
        case let .linkStateRequest(m): return m
        case let .authRequest(m): return m
        case let .authGrant(m): return m
        case let .authDeny(m): return m
        case let .revoke(m): return m
        case let .telemetry(m): return m
        case let .policyInstall(m): return m
        case let .policyAck(m): return m
        case let .policyWithdraw(m): return m
        case let .forwardHeader(m): return m
        case let .forwardReply(m): return m
        }
    }
}

extension WireMessage {
    var messageTypeValue: MessageType { Self.messageType }
}
