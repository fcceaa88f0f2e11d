/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI
/// (RFC 3720 appendix B.4) and SCTP (RFC 4960 appendix B). DAMC uses it as
/// the LSA checksum (docs/wire.md §5.4): a 32-bit code catches the
/// corruption that a 16-bit Fletcher sum (OSPF, IS-IS) can miss, and its
/// definition fits in one line for a second implementation.
///
/// Computed eight bytes at a time with eight lookup tables ("slicing-by-8",
/// Kounavis and Berry, Intel 2005), several times faster than the
/// byte-at-a-time table.
public enum CRC32C {
    /// `tables[k][b]` is the CRC of byte `b` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for index in 0..<256 {
            var crc = UInt32(index)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            tables[index] = crc
        }
        for slice in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(slice - 1) * 256 + index]
                tables[slice * 256 + index] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// Continues a checksum over `bytes[range]`. Start with `0`.
    public static func update(_ crc: UInt32, _ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var value = ~crc
        tables.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { bytes in
                var index = range.lowerBound
                let end = range.upperBound
                while end - index >= 8 {
                    let low = value ^ (UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
                        | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24)
                    value = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                        ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                        ^ t[3 * 256 + Int(bytes[index + 4])] ^ t[2 * 256 + Int(bytes[index + 5])]
                        ^ t[1 * 256 + Int(bytes[index + 6])] ^ t[Int(bytes[index + 7])]
                    index += 8
                }
                while index < end {
                    value = t[Int((value ^ UInt32(bytes[index])) & 0xFF)] ^ (value >> 8)
                    index += 1
                }
            }
        }
        return ~value
    }

    /// The checksum of all of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        update(0, bytes, bytes.indices)
    }
}
