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
/// trailing one. The scan allocates 12 bytes per known element (each of
/// which took at least 2 input bytes) plus at most `Limits.maxExtensions`
/// kept unknown elements.
public struct TLVFields {
    /// The buffer the ranges refer to.
    public let bytes: [UInt8]
    /// The message or element being decoded, for error messages.
    public let context: StaticString
    private let schema: [FieldSpec]
    /// Known elements in order of appearance: schema slot and value range.
    /// Slots never decrease (schema order), so one slot's entries are
    /// consecutive.
    private var entries: [Entry] = []
    /// Unknown non-critical elements, in order of appearance.
    public private(set) var unknown: [RawElement] = []

    private struct Entry {
        var slot: Int32
        var start: Int32
        var end: Int32
    }

    /// Scans `bytes[range]` as a sequence of TLV elements.
    public init(_ bytes: [UInt8], _ range: Range<Int>, schema: [FieldSpec], context: StaticString) throws(WireError) {
        self.bytes = bytes
        self.context = context
        self.schema = schema
        var runLength = 0 // occurrences of the current slot so far
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
                    if runLength >= spec.max {
                        if spec.max == 1 { throw .duplicateElement(type: type, in: "\(context)") }
                        throw .tooMany(what: "\(ElementType.name(of: type)) in \(context)",
                                       count: runLength + 1, limit: spec.max)
                    }
                    runLength += 1
                } else {
                    if current >= 0 && runLength < schema[current].min {
                        throw Self.tooFew(schema[current], runLength, context)
                    }
                    current = index
                    runLength = 1
                }
                if entries.isEmpty { entries.reserveCapacity(Swift.min(schema.count, (end - elementStart) / 2)) }
                entries.append(Entry(slot: Int32(index), start: Int32(valueStart), end: Int32(offset)))
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
        if current >= 0 && runLength < schema[current].min {
            throw Self.tooFew(schema[current], runLength, context)
        }
        for index in schema.indices where index != current && schema[index].min > 0 {
            // Present slots were checked when their run ended.
            if !entries.contains(where: { $0.slot == Int32(index) }) {
                throw Self.tooFew(schema[index], 0, context)
            }
        }
    }

    private static func tooFew(_ spec: FieldSpec, _ count: Int, _ context: StaticString) -> WireError {
        if spec.max == 1 { return .missingElement(type: spec.type.rawValue, in: "\(context)") }
        return .tooFew(what: "\(spec.type) in \(context)", count: count, minimum: spec.min)
    }

    private func slot(_ type: ElementType) -> Int {
        // Schemas are short; a linear search beats hashing here.
        for index in schema.indices where schema[index].type == type { return index }
        preconditionFailure("\(type) is not in the schema of \(context)")
    }

    /// The value range of a single element, if present.
    public func range(_ type: ElementType) -> Range<Int>? {
        let index = Int32(slot(type))
        for entry in entries where entry.slot >= index {
            return entry.slot == index ? Int(entry.start)..<Int(entry.end) : nil
        }
        return nil
    }

    /// The value ranges of every occurrence of an element, in order.
    public func ranges(_ type: ElementType) -> [Range<Int>] {
        var result: [Range<Int>] = []
        forEach(type) { result.append($0) }
        return result
    }

    /// How many times an element occurs.
    public func count(_ type: ElementType) -> Int {
        var count = 0
        forEach(type) { _ in count += 1 }
        return count
    }

    /// Calls `body` with the value range of every occurrence of an element,
    /// in order, without building an array of ranges.
    public func forEach<E: Error>(_ type: ElementType, _ body: (Range<Int>) throws(E) -> Void) throws(E) {
        let index = Int32(slot(type))
        guard var position = entries.firstIndex(where: { $0.slot >= index }) else { return }
        while position < entries.count && entries[position].slot == index {
            try body(Int(entries[position].start)..<Int(entries[position].end))
            position += 1
        }
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
    public static func integer(_ bytes: [UInt8], _ range: Range<Int>, what: @autoclosure () -> String,
                               max: UInt64 = .max) throws(WireError) -> UInt64 {
        let width = range.count
        guard width == 1 || width == 2 || width == 4 || width == 8 else {
            throw .invalidLength(what: what(), length: width, allowed: "1, 2, 4 or 8")
        }
        var value: UInt64 = 0
        for index in range { value = (value << 8) | UInt64(bytes[index]) }
        let minimal = value <= 0xFF ? 1 : value <= 0xFFFF ? 2 : value <= 0xFFFF_FFFF ? 4 : 8
        guard minimal == width else {
            throw .invalidValue(what: what(), reason: "integer not in its shortest form")
        }
        guard value <= max else {
            throw .invalidValue(what: what(), reason: "\(value) is over the maximum \(max)")
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
