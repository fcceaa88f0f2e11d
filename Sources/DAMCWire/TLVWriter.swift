/// Appends TLV elements to a byte buffer in DAMC's canonical form: shortest
/// TLV-TYPE and TLV-LENGTH, shortest non-negative integers (docs/wire.md §2).
///
/// Nested elements are written in place: the value is appended after a
/// one-byte length placeholder, and the placeholder is widened afterwards
/// only in the rare case that the value is 253 bytes or longer.
public struct TLVWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes an element with the given value bytes.
    @inlinable
    public mutating func write(_ type: ElementType, bytes value: some Collection<UInt8>) {
        VarNumber.write(type.rawValue, into: &bytes)
        VarNumber.write(UInt64(value.count), into: &bytes)
        bytes.append(contentsOf: value)
    }

    /// Writes an element whose value is a non-negative integer in its
    /// shortest form of 1, 2, 4 or 8 bytes (NDN NonNegativeInteger).
    @inlinable
    public mutating func write(_ type: ElementType, integer value: UInt64) {
        VarNumber.write(type.rawValue, into: &bytes)
        let width: Int = value <= 0xFF ? 1 : value <= 0xFFFF ? 2 : value <= 0xFFFF_FFFF ? 4 : 8
        bytes.append(UInt8(width))
        for shift in stride(from: (width - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// Writes an element whose value is the UTF-8 of `text`.
    @inlinable
    public mutating func write(_ type: ElementType, text: String) {
        write(type, bytes: Array(text.utf8))
    }

    /// Writes a kept unknown element unchanged.
    public mutating func write(_ element: RawElement) {
        VarNumber.write(element.type, into: &bytes)
        VarNumber.write(UInt64(element.value.count), into: &bytes)
        bytes.append(contentsOf: element.value)
    }

    /// Writes kept unknown elements unchanged, in order.
    public mutating func write(_ elements: [RawElement]) {
        for element in elements { write(element) }
    }

    /// Writes an element whose value is produced by `body`.
    @inlinable
    public mutating func nested(_ type: ElementType, _ body: (inout TLVWriter) -> Void) {
        nested(rawType: type.rawValue, body)
    }

    /// Writes an element with a raw TLV-TYPE whose value is produced by `body`.
    @inlinable
    public mutating func nested(rawType: UInt64, _ body: (inout TLVWriter) -> Void) {
        VarNumber.write(rawType, into: &bytes)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        if length < 253 {
            bytes[lengthAt] = UInt8(length)
        } else {
            var header: [UInt8] = []
            VarNumber.write(UInt64(length), into: &header)
            bytes.replaceSubrange(lengthAt..<(lengthAt + 1), with: header)
        }
    }
}
