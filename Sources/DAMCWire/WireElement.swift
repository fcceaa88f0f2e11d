/// A compound element: a TLV whose value is itself a list of elements.
/// Conforming types decode from the value bytes and write their elements;
/// the enclosing TLV header is written by the caller, so one type can be
/// carried under more than one TLV-TYPE (an `Endpoint` is also a
/// `TargetInstance`).
public protocol WireElement: Hashable, Sendable {
    /// Decodes the value of the element held in `bytes[range]`.
    init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError)
    /// Writes the element, TLV header included, under `type`.
    func encode(into writer: inout TLVWriter, as type: ElementType)
}

extension ServiceName: WireElement {}
extension Endpoint: WireElement {}

extension TLVFields {
    /// A required compound element.
    public func element<E: WireElement>(_ type: ElementType, as _: E.Type = E.self) throws(WireError) -> E {
        try E(decoding: bytes, required(type))
    }

    /// An optional compound element.
    public func optionalElement<E: WireElement>(_ type: ElementType, as _: E.Type = E.self) throws(WireError) -> E? {
        guard let range = range(type) else { return nil }
        return try E(decoding: bytes, range)
    }

    /// Every occurrence of a repeated compound element, in order.
    public func elements<E: WireElement>(_ type: ElementType, as _: E.Type = E.self) throws(WireError) -> [E] {
        var result: [E] = []
        result.reserveCapacity(count(type))
        try forEach(type) { (range) throws(WireError) in result.append(try E(decoding: bytes, range)) }
        return result
    }

    /// A required identifier.
    public func identifier<I: ValidatedIdentifier>(_ type: ElementType, as _: I.Type = I.self) throws(WireError) -> I {
        try I(decoding: bytes, required(type))
    }

    /// An optional identifier.
    public func optionalIdentifier<I: ValidatedIdentifier>(_ type: ElementType, as _: I.Type = I.self) throws(WireError) -> I? {
        guard let range = range(type) else { return nil }
        return try I(decoding: bytes, range)
    }

    /// Every occurrence of a repeated identifier, in order.
    public func identifiers<I: ValidatedIdentifier>(_ type: ElementType, as _: I.Type = I.self) throws(WireError) -> [I] {
        var result: [I] = []
        result.reserveCapacity(count(type))
        try forEach(type) { (range) throws(WireError) in result.append(try I(decoding: bytes, range)) }
        return result
    }
}

extension TLVWriter {
    /// Writes a compound element under `type`.
    public mutating func write<E: WireElement>(_ type: ElementType, element: E) {
        element.encode(into: &self, as: type)
    }

    /// Writes an identifier element.
    public mutating func write<I: ValidatedIdentifier>(_ type: ElementType, identifier: I) {
        write(type, text: identifier.rawValue)
    }
}
