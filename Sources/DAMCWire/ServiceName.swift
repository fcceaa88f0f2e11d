/// A hierarchical service name such as `/shop/cart` (DESIGN.md §3,
/// docs/wire.md §4): up to 32 components of 1 to 255 arbitrary bytes each.
///
/// Text form: `/`-separated components with RFC 3986 percent-escaping. A
/// raw byte must be an RFC 3986 `pchar` (unreserved, sub-delims, `:` or
/// `@`); anything else is escaped as `%XX`. The canonical text form escapes
/// every byte that is not unreserved (`A-Z a-z 0-9 - . _ ~`), with upper-case
/// hex, so two spellings of one name print the same. `/` alone is the root
/// name, which has no components and is a prefix of every name.
///
/// Storage is one byte array holding each component as a length byte
/// followed by its bytes. That makes equality and hashing a byte compare,
/// `isPrefix(of:)` a byte-prefix test (the length bytes keep it aligned on
/// components), and ordering the NDN canonical order: component by
/// component, a shorter component before a longer one, then bytewise.
public struct ServiceName: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Length-prefixed components, concatenated.
    public let storage: [UInt8]
    /// Number of components.
    public let count: Int

    /// The root name `/`.
    public static let root = ServiceName(storage: [], count: 0)

    /// Longest text any valid name can have: every byte escaped.
    public static let maxTextLength = Limits.maxNameComponents * (1 + 3 * Limits.maxComponentBytes)

    private init(storage: [UInt8], count: Int) {
        self.storage = storage
        self.count = count
    }

    /// Builds a name from raw components, checking every rule.
    public init(components: [[UInt8]]) throws(ServiceNameError) {
        guard components.count <= Limits.maxNameComponents else {
            throw .tooManyComponents(limit: Limits.maxNameComponents)
        }
        var storage: [UInt8] = []
        storage.reserveCapacity(components.reduce(0) { $0 + $1.count + 1 })
        for (index, component) in components.enumerated() {
            try Self.check(component[...], index: index)
            storage.append(UInt8(component.count))
            storage.append(contentsOf: component)
        }
        self.init(storage: storage, count: components.count)
    }

    /// Parses the text form, e.g. `/shop/cart` or `/files/a%20b`.
    public init(_ text: some StringProtocol) throws(ServiceNameError) {
        try self.init(utf8: Array(text.utf8))
    }

    /// Parses the text form given as its UTF-8 bytes.
    public init(utf8: [UInt8]) throws(ServiceNameError) {
        guard utf8.first == UInt8(ascii: "/") else { throw .notAbsolute }
        guard utf8.count <= Self.maxTextLength else {
            throw .textTooLong(length: utf8.count, limit: Self.maxTextLength)
        }
        if utf8.count == 1 {
            self = .root
            return
        }
        var storage: [UInt8] = []
        storage.reserveCapacity(utf8.count)
        var count = 0
        var position = 1
        while true {
            guard count < Limits.maxNameComponents else {
                throw .tooManyComponents(limit: Limits.maxNameComponents)
            }
            let lengthAt = storage.count
            storage.append(0)
            var decoded = 0
            let componentStart = position
            while position < utf8.count, utf8[position] != UInt8(ascii: "/") {
                let byte = utf8[position]
                let value: UInt8
                if byte == UInt8(ascii: "%") {
                    guard position + 2 < utf8.count,
                          let high = Self.hexValue(utf8[position + 1]),
                          let low = Self.hexValue(utf8[position + 2]) else {
                        throw .badPercentEscape(component: count, offset: position - componentStart)
                    }
                    value = high << 4 | low
                    position += 3
                } else {
                    guard Self.isPathCharacter(byte) else {
                        throw .invalidCharacter(component: count, offset: position - componentStart, byte: byte)
                    }
                    value = byte
                    position += 1
                }
                decoded += 1
                guard decoded <= Limits.maxComponentBytes else {
                    throw .componentTooLong(index: count, length: decoded)
                }
                storage.append(value)
            }
            storage[lengthAt] = UInt8(decoded)
            try Self.check(storage[(lengthAt + 1)...], index: count)
            count += 1
            if position == utf8.count { break }
            position += 1  // the '/'
            if position == utf8.count { throw .emptyComponent(index: count) }
        }
        self.init(storage: storage, count: count)
    }

    /// Checks one component's bytes against the component rules.
    @usableFromInline
    static func check(_ component: ArraySlice<UInt8>, index: Int) throws(ServiceNameError) {
        if component.isEmpty { throw .emptyComponent(index: index) }
        if component.count > Limits.maxComponentBytes {
            throw .componentTooLong(index: index, length: component.count)
        }
        if component.allSatisfy({ $0 == UInt8(ascii: ".") }) && component.count <= 2 {
            throw .dotComponent(index: index)
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 3986 unreserved characters: the only ones left raw in canonical text.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 3986 `pchar` less `%`: what may appear raw in a text component.
    static func isPathCharacter(_ byte: UInt8) -> Bool {
        if isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"),
             UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }

    // MARK: Components

    /// Whether this is the root name `/`.
    public var isRoot: Bool { count == 0 }

    /// The components as byte arrays (allocates; for display and tests).
    public var components: [[UInt8]] {
        var result: [[UInt8]] = []
        result.reserveCapacity(count)
        var offset = 0
        while offset < storage.count {
            let length = Int(storage[offset])
            result.append(Array(storage[(offset + 1)..<(offset + 1 + length)]))
            offset += 1 + length
        }
        return result
    }

    /// The name made of the first `length` components (`length` is clamped).
    public func prefix(_ length: Int) -> ServiceName {
        let wanted = Swift.max(0, Swift.min(length, count))
        if wanted == count { return self }
        var offset = 0
        for _ in 0..<wanted { offset += 1 + Int(storage[offset]) }
        return ServiceName(storage: Array(storage[0..<offset]), count: wanted)
    }

    /// Byte offsets in `storage` where each prefix ends: element `i` is the
    /// end of the prefix with `i` components (element 0 is 0).
    public var prefixEnds: [Int] {
        var result = [0]
        result.reserveCapacity(count + 1)
        var offset = 0
        while offset < storage.count {
            offset += 1 + Int(storage[offset])
            result.append(offset)
        }
        return result
    }

    /// Whether every component of `self` is, in order, the leading
    /// components of `other`: `/a` is a prefix of `/a/b` but not of `/ab`.
    public func isPrefix(of other: ServiceName) -> Bool {
        guard count <= other.count, storage.count <= other.storage.count else { return false }
        return storage.withUnsafeBufferPointer { mine in
            other.storage.withUnsafeBufferPointer { theirs in
                for index in 0..<mine.count where mine[index] != theirs[index] { return false }
                return true
            }
        }
    }

    /// A new name with `component` appended.
    public func appending(_ component: [UInt8]) throws(ServiceNameError) -> ServiceName {
        guard count < Limits.maxNameComponents else {
            throw .tooManyComponents(limit: Limits.maxNameComponents)
        }
        try Self.check(component[...], index: count)
        return ServiceName(storage: storage + [UInt8(component.count)] + component, count: count + 1)
    }

    // MARK: Equality, hashing, order and text

    public static func == (lhs: ServiceName, rhs: ServiceName) -> Bool {
        lhs.count == rhs.count && lhs.storage == rhs.storage
    }

    /// Hashes the storage bytes in one call (the synthesized hash feeds the
    /// hasher one byte at a time, which dominated RIB and FIB building).
    public func hash(into hasher: inout Hasher) {
        storage.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public static func < (lhs: ServiceName, rhs: ServiceName) -> Bool {
        lhs.storage.lexicographicallyPrecedes(rhs.storage)
    }

    /// The canonical text form.
    public var description: String {
        if count == 0 { return "/" }
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(storage.count + count)
        var offset = 0
        while offset < storage.count {
            let length = Int(storage[offset])
            text.append(UInt8(ascii: "/"))
            for byte in storage[(offset + 1)..<(offset + 1 + length)] {
                if Self.isUnreserved(byte) {
                    text.append(byte)
                } else {
                    text.append(UInt8(ascii: "%"))
                    text.append(hex[Int(byte >> 4)])
                    text.append(hex[Int(byte & 0xF)])
                }
            }
            offset += 1 + length
        }
        return String(decoding: text, as: UTF8.self)
    }

    // MARK: Wire form (docs/wire.md §4.2)

    /// Writes the name as a `Name` element of `NameComponent` elements.
    public func encode(into writer: inout TLVWriter, as type: ElementType = .name) {
        writer.nested(type) { writer in
            var offset = 0
            while offset < storage.count {
                let length = Int(storage[offset])
                writer.write(.nameComponent, bytes: storage[(offset + 1)..<(offset + 1 + length)])
                offset += 1 + length
            }
        }
    }

    /// Decodes the value of a `Name` element held in `bytes[range]`.
    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        var storage: [UInt8] = []
        storage.reserveCapacity(range.count)
        var offset = range.lowerBound
        var count = 0
        while offset < range.upperBound {
            let elementStart = offset
            let type = try VarNumber.read(bytes, at: &offset, end: range.upperBound)
            let lengthAt = offset
            let length = try VarNumber.read(bytes, at: &offset, end: range.upperBound)
            guard length <= UInt64(range.upperBound - offset) else {
                throw .lengthOverrun(offset: lengthAt, type: type, length: length,
                                     available: range.upperBound - offset)
            }
            guard type == ElementType.nameComponent.rawValue else {
                if type == 0 || type > UInt64(UInt32.max) {
                    throw .invalidType(offset: elementStart, type: type)
                }
                throw .invalidName(.unexpectedElement(type: type))
            }
            guard count < Limits.maxNameComponents else {
                throw .invalidName(.tooManyComponents(limit: Limits.maxNameComponents))
            }
            let valueEnd = offset + Int(length)
            do {
                try Self.check(bytes[offset..<valueEnd], index: count)
            } catch {
                throw .invalidName(error)
            }
            storage.append(UInt8(length))
            storage.append(contentsOf: bytes[offset..<valueEnd])
            offset = valueEnd
            count += 1
        }
        self.init(storage: storage, count: count)
    }
}
