/// The variable-length number used for TLV-TYPE and TLV-LENGTH, as in NDN
/// packet format 0.3 §1.1 (docs/wire.md §2.1):
///
/// | first byte | total size | value                          |
/// |------------|------------|--------------------------------|
/// | 0...252    | 1          | the byte itself                |
/// | 253        | 3          | next 2 bytes, big-endian       |
/// | 254        | 5          | next 4 bytes, big-endian       |
/// | 255        | 9          | next 8 bytes, big-endian       |
///
/// DAMC requires the shortest form: a decoder rejects, for example, `253 0 5`
/// for 5. That makes every accepted encoding unique, so decode followed by
/// encode reproduces the input byte for byte.
public enum VarNumber {
    /// Bytes needed to write `value`.
    @inlinable
    public static func size(of value: UInt64) -> Int {
        if value < 253 { return 1 }
        if value <= 0xFFFF { return 3 }
        if value <= 0xFFFF_FFFF { return 5 }
        return 9
    }

    /// Appends `value` in its shortest form.
    @inlinable
    public static func write(_ value: UInt64, into bytes: inout [UInt8]) {
        if value < 253 {
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else if value <= 0xFFFF {
            bytes.append(253)
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
        } else if value <= 0xFFFF_FFFF {
            bytes.append(254)
            for shift in stride(from: 24, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        } else {
            bytes.append(255)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
            }
        }
    }

    /// Reads a number at `offset`, which must be below `end`, and advances
    /// `offset` past it. Throws on truncation or a non-minimal form.
    @inlinable
    public static func read(_ bytes: [UInt8], at offset: inout Int, end: Int) throws(WireError) -> UInt64 {
        guard offset < end else {
            throw .truncated(offset: offset, needed: 1, available: 0)
        }
        let first = bytes[offset]
        let extra: Int
        switch first {
        case 0..<253:
            offset += 1
            return UInt64(first)
        case 253: extra = 2
        case 254: extra = 4
        default: extra = 8
        }
        let available = end - offset - 1
        guard available >= extra else {
            throw .truncated(offset: offset, needed: extra + 1, available: available + 1)
        }
        var value: UInt64 = 0
        for index in (offset + 1)...(offset + extra) {
            value = (value << 8) | UInt64(bytes[index])
        }
        guard size(of: value) == extra + 1 else {
            throw .nonMinimalVarNumber(offset: offset)
        }
        offset += extra + 1
        return value
    }
}
