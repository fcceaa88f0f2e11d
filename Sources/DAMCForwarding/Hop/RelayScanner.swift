import DAMCWire

/// Follows the bytes coming back along a relayed call (docs/wire.md §5.8:
/// `ForwardReply`, DATA*, END) to find where the call ends, without
/// copying payloads: a relay on an event loop passes every byte on
/// verbatim and needs only to know when the call is over, and whether the
/// reply said `failed` (then the call ends there and neither connection
/// is reused).
public struct RelayScanner {
    public enum Phase: Equatable, Sendable { case reply, frameHeader, payload(Int), done }
    public private(set) var phase = Phase.reply
    /// The reply said the call failed.
    public private(set) var failed = false
    /// The largest reply accepted.
    public let replyLimit: Int
    /// A reply or frame header split across reads.
    private var partial: [UInt8] = []
    private var replyLength: Int?

    public init(replyLimit: Int) { self.replyLimit = replyLimit }

    /// How many of `bytes` belong to the call: all of them, or those up to
    /// and including END (or a failed reply). Throws on a malformed reply.
    public mutating func scan(_ bytes: ArraySlice<UInt8>) throws -> Int {
        try bytes.withUnsafeBufferPointer { try scan($0) }
    }

    /// The same, on bytes in memory (a loop's read buffer).
    public mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws -> Int {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch phase {
            case .reply:
                if replyLength == nil {
                    // Up to 16 bytes give the reply's length.
                    let take = min(16 - partial.count, bytes.endIndex - index)
                    partial.append(contentsOf: bytes[index..<index + take])
                    index += take
                    guard let length = try DAMCMessage.frameLength(of: partial) else {
                        guard partial.count < 16 else { throw WireError.invalidValue(what: "reply", reason: "no length in its first 16 bytes") }
                        continue
                    }
                    guard length <= replyLimit else {
                        throw WireError.messageTooLarge(size: length, limit: replyLimit)
                    }
                    if partial.count > length {   // a reply shorter than what was taken: give the rest back
                        index -= partial.count - length
                        partial.removeLast(partial.count - length)
                    }
                    replyLength = length
                }
                let length = replyLength!
                if partial.count < length {
                    let take = min(length - partial.count, bytes.endIndex - index)
                    partial.append(contentsOf: bytes[index..<index + take])
                    index += take
                    guard partial.count == length else { continue }
                }
                guard case let .forwardReply(reply) = try DAMCMessage.decode(partial) else {
                    throw WireError.invalidValue(what: "reply", reason: "not a ForwardReply")
                }
                partial = []
                replyLength = nil
                if reply.status == .failed {
                    failed = true
                    phase = .done
                    return index - bytes.startIndex
                }
                phase = .frameHeader
            case .frameHeader:
                let take = min(4 - partial.count, bytes.endIndex - index)
                partial.append(contentsOf: bytes[index..<index + take])
                index += take
                guard partial.count == 4 else { continue }
                let length = Int(partial[0]) << 24 | Int(partial[1]) << 16 | Int(partial[2]) << 8 | Int(partial[3])
                partial = []
                if length == 0 {
                    phase = .done
                    return index - bytes.startIndex
                }
                phase = .payload(length)
            case let .payload(left):
                let take = min(left, bytes.endIndex - index)
                index += take
                phase = take == left ? .frameHeader : .payload(left - take)
            case .done:
                return index - bytes.startIndex
            }
        }
        return index - bytes.startIndex
    }
}
