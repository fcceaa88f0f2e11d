import DAMCWire

/// Hand-built TLVs for the malformed-input suite: they can say anything,
/// including lies the encoder would never write.
enum Craft {
    /// A TLV with its true length.
    static func tlv(_ type: UInt64, _ value: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        VarNumber.write(type, into: &bytes)
        VarNumber.write(UInt64(value.count), into: &bytes)
        return bytes + value
    }

    static func tlv(_ type: ElementType, _ value: [UInt8]) -> [UInt8] { tlv(type.rawValue, value) }

    /// A TLV whose TLV-LENGTH claims `length`, whatever the value is.
    static func lying(_ type: UInt64, length: UInt64, _ value: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        VarNumber.write(type, into: &bytes)
        VarNumber.write(length, into: &bytes)
        return bytes + value
    }

    static func int(_ type: ElementType, _ value: UInt64) -> [UInt8] {
        var writer = TLVWriter()
        writer.write(type, integer: value)
        return writer.bytes
    }

    static func text(_ type: ElementType, _ value: String) -> [UInt8] { tlv(type, Array(value.utf8)) }

    /// A message TLV with version 1 and the given elements.
    static func message(_ type: MessageType, _ elements: [UInt8]...) -> [UInt8] {
        tlv(type.rawValue, [DAMCMessage.version] + elements.flatMap { $0 })
    }

    /// A name element from raw component values.
    static func name(_ components: [[UInt8]]) -> [UInt8] {
        tlv(.name, components.flatMap { tlv(.nameComponent, $0) })
    }

    /// The mandatory head of a hello from `sr1`: id, role, intervals, flags.
    static var helloHead: [UInt8] {
        text(.nodeID, "sr1") + int(.role, 2) + int(.helloInterval, 1000) + int(.deadInterval, 4000) + int(.flags, 0)
    }

    /// Decodes and returns the error, or `nil` if the bytes were accepted.
    static func error(_ bytes: [UInt8]) -> WireError? {
        do {
            _ = try DAMCMessage.decode(bytes)
            return nil
        } catch {
            return error
        }
    }
}
