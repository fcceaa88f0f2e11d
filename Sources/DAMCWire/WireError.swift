/// Every way a byte string can fail to be a DAMC message.
///
/// The decoder never traps: whatever it is handed, it returns a value or
/// throws one of these. Each case carries enough context (byte offset,
/// element type, the message or element being decoded) for a counter
/// label or a log line that an operator can act on. See docs/wire.md §7.
public enum WireError: Error, Equatable, Hashable, Sendable {
    /// The input ended inside a TLV-TYPE, TLV-LENGTH or fixed field.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A TLV-TYPE or TLV-LENGTH was not written in its shortest form
    /// (docs/wire.md §2.1); accepted encodings are unique.
    case nonMinimalVarNumber(offset: Int)
    /// TLV-TYPE 0 or a TLV-TYPE above 2^32-1.
    case invalidType(offset: Int, type: UInt64)
    /// A TLV-LENGTH that runs past the end of its parent.
    case lengthOverrun(offset: Int, type: UInt64, length: UInt64, available: Int)
    /// Bytes left over after the single top-level message.
    case trailingBytes(offset: Int, count: Int)
    /// The whole input is larger than `Limits.maxMessageSize`.
    case messageTooLarge(size: Int, limit: Int)
    /// The outer TLV-TYPE names no DAMC message.
    case unknownMessageType(UInt64)
    /// The message header carries a protocol version this codec does not speak.
    case unsupportedVersion(UInt8)
    /// An element this codec does not know whose type is critical (odd).
    case unknownCriticalElement(type: UInt64, in: String)
    /// A mandatory element is absent.
    case missingElement(type: UInt64, in: String)
    /// A non-repeatable element appears twice.
    case duplicateElement(type: UInt64, in: String)
    /// A known element appears after an element that must follow it, or
    /// after an unknown (extension) element.
    case elementOutOfOrder(type: UInt64, in: String)
    /// A repeated element, or a nested list, is over its limit.
    case tooMany(what: String, count: Int, limit: Int)
    /// A repeated element appears fewer times than the message requires.
    case tooFew(what: String, count: Int, minimum: Int)
    /// An element's TLV-LENGTH is not allowed for its type.
    case invalidLength(what: String, length: Int, allowed: String)
    /// A field decoded cleanly but its value is outside its domain.
    case invalidValue(what: String, reason: String)
    /// A service name (wire or text form) is not valid.
    case invalidName(ServiceNameError)
    /// A node, pod or key identifier is not valid.
    case invalidIdentifier(what: String, reason: String)
    /// An LSA whose checksum does not match its content (docs/wire.md §5.4).
    case checksumMismatch(carried: UInt32, computed: UInt32)
}

extension WireError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .truncated(offset, needed, available):
            return "truncated at byte \(offset): needed \(needed) more byte(s), \(available) available"
        case let .nonMinimalVarNumber(offset):
            return "non-minimal variable-length number at byte \(offset)"
        case let .invalidType(offset, type):
            return "invalid TLV-TYPE \(type) at byte \(offset)"
        case let .lengthOverrun(offset, type, length, available):
            return "TLV type \(type) at byte \(offset) claims \(length) byte(s) but only \(available) remain in its parent"
        case let .trailingBytes(offset, count):
            return "\(count) trailing byte(s) after the message at byte \(offset)"
        case let .messageTooLarge(size, limit):
            return "message of \(size) bytes exceeds the limit of \(limit)"
        case let .unknownMessageType(type):
            return "unknown message type \(type)"
        case let .unsupportedVersion(version):
            return "unsupported protocol version \(version)"
        case let .unknownCriticalElement(type, context):
            return "unknown critical element type \(type) in \(context)"
        case let .missingElement(type, context):
            return "missing element \(ElementType.name(of: type)) in \(context)"
        case let .duplicateElement(type, context):
            return "duplicate element \(ElementType.name(of: type)) in \(context)"
        case let .elementOutOfOrder(type, context):
            return "element \(ElementType.name(of: type)) out of order in \(context)"
        case let .tooMany(what, count, limit):
            return "too many \(what): \(count) (limit \(limit))"
        case let .tooFew(what, count, minimum):
            return "too few \(what): \(count) (at least \(minimum))"
        case let .invalidLength(what, length, allowed):
            return "\(what) has length \(length), allowed \(allowed)"
        case let .invalidValue(what, reason):
            return "invalid \(what): \(reason)"
        case let .invalidName(error):
            return "invalid service name: \(error)"
        case let .invalidIdentifier(what, reason):
            return "invalid \(what): \(reason)"
        case let .checksumMismatch(carried, computed):
            return "LSA checksum mismatch: carried 0x\(String(carried, radix: 16)), computed 0x\(String(computed, radix: 16))"
        }
    }
}
