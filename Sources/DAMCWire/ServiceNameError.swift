/// Why a service name was refused. Every case names the component (counted
/// from 0) and, for text, the byte offset inside that component's text, so
/// an operator sees exactly what to fix (docs/wire.md §4).
public enum ServiceNameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Text form does not start with `/`.
    case notAbsolute
    /// Text form is longer than any valid name can be.
    case textTooLong(length: Int, limit: Int)
    /// `//`, or a trailing `/` after a component.
    case emptyComponent(index: Int)
    /// A component that is `.` or `..` (also when written `%2E`).
    case dotComponent(index: Int)
    /// A component over `Limits.maxComponentBytes` bytes once unescaped.
    case componentTooLong(index: Int, length: Int)
    /// More than `Limits.maxNameComponents` components.
    case tooManyComponents(limit: Int)
    /// `%` not followed by two hexadecimal digits.
    case badPercentEscape(component: Int, offset: Int)
    /// A byte that must be percent-escaped appeared raw.
    case invalidCharacter(component: Int, offset: Int, byte: UInt8)
    /// A wire-form Name holding an element other than NameComponent.
    case unexpectedElement(type: UInt64)

    public var description: String {
        switch self {
        case .notAbsolute:
            return "a service name must start with '/'"
        case let .textTooLong(length, limit):
            return "name text is \(length) bytes, longer than any valid name (\(limit))"
        case let .emptyComponent(index):
            return "component \(index) is empty"
        case let .dotComponent(index):
            return "component \(index) is '.' or '..', which are not allowed"
        case let .componentTooLong(index, length):
            return "component \(index) is \(length) bytes, over the limit of \(Limits.maxComponentBytes)"
        case let .tooManyComponents(limit):
            return "more than \(limit) components"
        case let .badPercentEscape(component, offset):
            return "component \(component): '%' at offset \(offset) is not followed by two hex digits"
        case let .invalidCharacter(component, offset, byte):
            let shown = (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x\(String(byte, radix: 16))"
            return "component \(component): byte \(shown) at offset \(offset) must be percent-escaped"
        case let .unexpectedElement(type):
            return "wire-form name holds element type \(type), only NameComponent is allowed"
        }
    }
}
