/// One DAMC message type: a typed value that is the content of a message
/// TLV (docs/wire.md §2.2). The outer TLV and the version byte are handled
/// by `DAMCMessage`; a conforming type decodes and writes its elements.
public protocol WireMessage: Hashable, Sendable {
    /// The outer TLV-TYPE.
    static var messageType: MessageType { get }
    /// The message's name, used as the context of decoding errors.
    static var context: StaticString { get }
    /// The elements the message may hold, in order.
    static var schema: [FieldSpec] { get }
    /// Builds the value from elements already checked against `schema`.
    init(fields: borrowing TLVFields) throws(WireError)
    /// Writes the elements, in schema order, extensions last.
    func encodeFields(into writer: inout TLVWriter)
}

extension WireMessage {
    /// Decodes the elements held in `bytes[range]` (the value after the
    /// version byte).
    public init(decodingElements bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        try self.init(fields: TLVFields(bytes, range, schema: Self.schema, context: Self.context))
    }

    /// The complete message: outer TLV, version byte, elements.
    public func encode() -> [UInt8] {
        var writer = TLVWriter()
        encode(into: &writer)
        return writer.bytes
    }

    /// Appends the complete message to `writer`.
    public func encode(into writer: inout TLVWriter) {
        writer.nested(rawType: Self.messageType.rawValue) { writer in
            writer.bytes.append(DAMCMessage.version)
            encodeFields(into: &writer)
        }
    }
}
