/// An IPv4 or IPv6 address in network byte order (docs/wire.md §4.4).
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    public let bytes: [UInt8]

    /// Wraps 4 or 16 bytes; throws on any other length.
    public init(bytes: [UInt8]) throws(WireError) {
        guard bytes.count == 4 || bytes.count == 16 else {
            throw .invalidLength(what: "Address", length: bytes.count, allowed: "4 or 16")
        }
        self.bytes = bytes
    }

    /// An IPv4 address from its four octets.
    public static func v4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> IPAddress {
        try! IPAddress(bytes: [a, b, c, d])
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// Dotted quad, or RFC 5952 text for IPv6.
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        var groups: [UInt16] = []
        for index in stride(from: 0, to: 16, by: 2) {
            groups.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
        }
        // Longest run of two or more zero groups, first one on a tie (RFC 5952 §4.2).
        var bestStart = -1, bestLength = 1, runStart = -1
        for index in 0...8 {
            if index < 8 && groups[index] == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                runStart = -1
            }
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// Where a service instance (or any TCP service) listens: address and port.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(address: IPAddress, port: UInt16, extensions: [RawElement] = []) {
        self.address = address
        self.port = port
        self.extensions = extensions
    }

    static let schema: [FieldSpec] = [.required(.address), .required(.port)]

    /// Decodes the value of an `Endpoint` (or `TargetInstance`) element.
    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "Endpoint")
        address = try IPAddress(bytes: fields.data(.address, length: 4...16))
        port = UInt16(try fields.integer(.port, max: UInt64(UInt16.max)))
        extensions = fields.unknown
    }

    /// Writes the endpoint as an element of `type`.
    public func encode(into writer: inout TLVWriter, as type: ElementType = .endpoint) {
        writer.nested(type) { writer in
            writer.write(.address, bytes: address.bytes)
            writer.write(.port, integer: UInt64(port))
            writer.write(extensions)
        }
    }

    public var description: String {
        address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }
}
