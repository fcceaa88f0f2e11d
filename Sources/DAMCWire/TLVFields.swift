/// One allowed element in the value of a message or compound element: its
/// type, how many times it may appear, and whether it may follow unknown
/// extension elements (only the authentication trailer may).
public struct FieldSpec: Sendable {
    public let type: ElementType
    public let min: Int
    public let max: Int
    public let trailing: Bool

    /// Exactly once.
    public static func required(_ type: ElementType) -> FieldSpec {
        FieldSpec(type: type, min: 1, max: 1, trailing: false)
    }
    /// At most once.
    public static func optional(_ type: ElementType) -> FieldSpec {
        FieldSpec(type: type, min: 0, max: 1, trailing: false)
    }
    /// Between `min` and `max` times, consecutively.
    public static func repeated(_ type: ElementType, min: Int = 0, max: Int) -> FieldSpec {
        FieldSpec(type: type, min: min, max: max, trailing: false)
    }
    /// Once (`required`) or at most once, after everything else including
    /// extensions. Used for the authentication trailer and a grant's signature,
    /// which cover every byte before them.
    public static func trailer(_ type: ElementType, required: Bool = false) -> FieldSpec {
        FieldSpec(type: type, min: required ? 1 : 0, max: 1, trailing: true)
    }
}

/// The elements found in one TLV-VALUE, checked against a schema.
///
/// Scanning enforces the structural rules of docs/wire.md §2.3 in one pass:
/// known elements in schema order, each within its count; unknown critical
/// elements rejected; unknown non-critical elements kept, and allowed only
/// after every known element (so the canonical encoding is unique) except a
/// trailing one. The scan allocates 8 bytes per known element (each of
/// which took at least 2 input bytes) plus at most `Limits.maxExtensions`
/// kept unknown elements.
public struct TLVFields {
    /// The buffer the ranges refer to.
    public let bytes: [UInt8]
    /// The message or element being decoded, for error messages.
    public let context: StaticString
    private let schema: [FieldSpec]
    private var slotFirst: [Int32]
    private var slotCount: [Int32]
    private var starts: [Int32] = []
    private var ends: [Int32] = []
    /// Unknown non-critical elements, in order of appearance.
    public private(set) var unknown: [RawElement] = []

    /// Scans `bytes[range]` as a sequence of TLV elements.
    public init(_ bytes: [UInt8], _ range: Range<Int>, schema: [FieldSpec], context: StaticString) throws(WireError) {
        self.bytes = bytes
        self.context = context
        self.schema = schema
        slotFirst = Array(repeating: -1, count: schema.count)
        slotCount = Array(repeating: 0, count: schema.count)
        var offset = range.lowerBound
        let end = range.upperBound
        var current = -1
        var sawUnknown = false
        while offset < end {
            let elementStart = offset
            let type = try VarNumber.read(bytes, at: &offset, end: end)
            guard type != 0, type <= UInt64(UInt32.max) else {
                throw .invalidType(offset: elementStart, type: type)
            }
            let lengthAt = offset
            let length = try VarNumber.read(bytes, at: &offset, end: end)
            guard length <= UInt64(end - offset) else {
                throw .lengthOverrun(offset: lengthAt, type: type, length: length, available: end - offset)
            }
            let valueStart = offset
            offset += Int(length)
            if current >= 0, schema[current].trailing {
                // Nothing may follow the trailer.
                throw .elementOutOfOrder(type: type, in: "\(context)")
            }
            if let index = schema.firstIndex(where: { $0.type.rawValue == type }) {
                let spec = schema[index]
                if sawUnknown && !spec.trailing {
                    throw .elementOutOfOrder(type: type, in: "\(context)")
                }
                if index < current {
                    throw .elementOutOfOrder(type: type, in: "\(context)")
                }
                if index == current {
                    if Int(slotCount[index]) >= spec.max {
                        if spec.max == 1 { throw .duplicateElement(type: type, in: "\(context)") }
                        throw .tooMany(what: "\(ElementType.name(of: type)) in \(context)",
                                       count: Int(slotCount[index]) + 1, limit: spec.max)
                    }
                } else {
                    current = index
                    slotFirst[index] = Int32(starts.count)
                }
                slotCount[index] += 1
                starts.append(Int32(valueStart))
                ends.append(Int32(offset))
            } else {
                if ElementType.isCritical(type) {
                    throw .unknownCriticalElement(type: type, in: "\(context)")
                }
                sawUnknown = true
                guard unknown.count < Limits.maxExtensions else {
                    throw .tooMany(what: "extensions in \(context)", count: unknown.count + 1, limit: Limits.maxExtensions)
                }
                unknown.append(RawElement(type: type, value: Array(bytes[valueStart..<offset])))
            }
        }
        for (index, spec) in schema.enumerated() where Int(slotCount[index]) < spec.min {
            if spec.max == 1 {
                throw .missingElement(type: spec.type.rawValue, in: "\(context)")
            }
            throw .tooFew(what: "\(spec.type) in \(context)", count: Int(slotCount[index]), minimum: spec.min)
        }
    }

    private func slot(_ type: ElementType) -> Int {
        // Schemas are short; a linear search beats hashing here.
        for index in schema.indices where schema[index].type == type { return index }
        preconditionFailure("\(type) is not in the schema of \(context)")
    }

    /// The value range of a single element, if present.
    public func range(_ type: ElementType) -> Range<Int>? {
        let index = slot(type)
        guard slotCount[index] > 0 else { return nil }
        let entry = Int(slotFirst[index])
        return Int(starts[entry])..<Int(ends[entry])
    }

    /// The value ranges of every occurrence of an element, in order.
    public func ranges(_ type: ElementType) -> [Range<Int>] {
        let index = slot(type)
        let count = Int(slotCount[index])
        guard count > 0 else { return [] }
        let first = Int(slotFirst[index])
        var result: [Range<Int>] = []
        result.reserveCapacity(count)
        for entry in first..<(first + count) {
            result.append(Int(starts[entry])..<Int(ends[entry]))
        }
        return result
    }

    /// The value range of a required element. The scan already checked
    /// presence, so this cannot fail for a `.required` spec.
    public func required(_ type: ElementType) throws(WireError) -> Range<Int> {
        guard let range = range(type) else { throw .missingElement(type: type.rawValue, in: "\(context)") }
        return range
    }

    // MARK: Typed readers

    /// A required non-negative integer no greater than `max`.
    public func integer(_ type: ElementType, max: UInt64 = .max) throws(WireError) -> UInt64 {
        try Self.integer(bytes, required(type), what: "\(type) in \(context)", max: max)
    }

    /// An optional non-negative integer no greater than `max`.
    public func optionalInteger(_ type: ElementType, max: UInt64 = .max) throws(WireError) -> UInt64? {
        guard let range = range(type) else { return nil }
        return try Self.integer(bytes, range, what: "\(type) in \(context)", max: max)
    }

    /// Reads an NDN NonNegativeInteger: 1, 2, 4 or 8 bytes, big-endian, in
    /// the shortest of those widths.
    public static func integer(_ bytes: [UInt8], _ range: Range<Int>, what: String, max: UInt64 = .max) throws(WireError) -> UInt64 {
        let width = range.count
        guard width == 1 || width == 2 || width == 4 || width == 8 else {
            throw .invalidLength(what: what, length: width, allowed: "1, 2, 4 or 8")
        }
        var value: UInt64 = 0
        for index in range { value = (value << 8) | UInt64(bytes[index]) }
        let minimal = value <= 0xFF ? 1 : value <= 0xFFFF ? 2 : value <= 0xFFFF_FFFF ? 4 : 8
        guard minimal == width else {
            throw .invalidValue(what: what, reason: "integer not in its shortest form")
        }
        guard value <= max else {
            throw .invalidValue(what: what, reason: "\(value) is over the maximum \(max)")
        }
        return value
    }

    /// The raw value bytes of a required element, with a length check.
    public func data(_ type: ElementType, length allowed: ClosedRange<Int>) throws(WireError) -> [UInt8] {
        let range = try required(type)
        guard allowed.contains(range.count) else {
            throw .invalidLength(what: "\(type) in \(context)", length: range.count,
                                 allowed: "\(allowed.lowerBound)...\(allowed.upperBound)")
        }
        return Array(bytes[range])
    }

    /// Optional UTF-8 text of at most `maxBytes`.
    public func optionalText(_ type: ElementType, maxBytes: Int) throws(WireError) -> String? {
        guard let range = range(type) else { return nil }
        guard range.count <= maxBytes else {
            throw .invalidLength(what: "\(type) in \(context)", length: range.count, allowed: "0...\(maxBytes)")
        }
        guard let text = String(validating: bytes[range], as: UTF8.self) else {
            throw .invalidValue(what: "\(type) in \(context)", reason: "not valid UTF-8")
        }
        return text
    }
}
