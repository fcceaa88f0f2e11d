/// Rules shared by node, pod and key identifiers (docs/wire.md §4.3):
/// 1 to 64 bytes of `A-Z a-z 0-9 . _ -`, starting with a letter or digit
/// (so none is `.`, `..` or looks like an option). Identifiers appear in logs,
/// socket paths (`/run/damc/<node-id>.sock`) and tables, so they are kept
/// to characters that need no quoting anywhere.
public enum Identifier {
    /// Returns `nil` if `bytes` is a valid identifier, or the reason it is not.
    public static func problem(_ bytes: some Collection<UInt8>) -> String? {
        if bytes.isEmpty { return "empty" }
        if bytes.count > Limits.maxIdentifierBytes {
            return "\(bytes.count) bytes, over the limit of \(Limits.maxIdentifierBytes)"
        }
        if let first = bytes.first, !isAlphanumeric(first) {
            return "must start with a letter or digit"
        }
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default:
                return "byte 0x\(String(byte, radix: 16)) at offset \(offset) is not one of A-Z a-z 0-9 . _ -"
            }
        }
        return nil
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}

/// Generates the shared implementation of a validated identifier type.
public protocol ValidatedIdentifier: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// What the identifier is, for error messages ("node id").
    static var kind: String { get }
    /// The identifier text; always valid.
    var rawValue: String { get }
    /// Stores an already validated value.
    init(unchecked rawValue: String)
}

extension ValidatedIdentifier {
    /// Validates and wraps `text`.
    public init(_ text: String) throws(WireError) {
        if let problem = Identifier.problem(text.utf8) {
            throw .invalidIdentifier(what: Self.kind, reason: "'\(text)': \(problem)")
        }
        self.init(unchecked: text)
    }

    /// Decodes an identifier element's value.
    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        if let problem = Identifier.problem(bytes[range]) {
            throw .invalidIdentifier(what: Self.kind, reason: problem)
        }
        self.init(unchecked: String(decoding: bytes[range], as: UTF8.self))
    }

    /// Writes the identifier as an element of `type`.
    public func encode(into writer: inout TLVWriter, as type: ElementType) {
        writer.write(type, text: rawValue)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }
}

/// The identity of an SG, SR, SPA or SCSC (`sg1`, `sr-east-2`).
public struct NodeID: ValidatedIdentifier {
    public static let kind = "node id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// The identity of a pod behind a gateway.
public struct PodID: ValidatedIdentifier {
    public static let kind = "pod id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}

/// The name of a signing key of the SPA (grants carry it so verifiers pick
/// the right public key during rotation).
public struct KeyID: ValidatedIdentifier {
    public static let kind = "key id"
    public let rawValue: String
    public init(unchecked rawValue: String) { self.rawValue = rawValue }
}
