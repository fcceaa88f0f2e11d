/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI
/// (RFC 3720 appendix B.4) and SCTP (RFC 4960 appendix B). DAMC uses it as
/// the LSA checksum (docs/wire.md §5.4): a 32-bit code catches the
/// corruption that a 16-bit Fletcher sum (OSPF, IS-IS) can miss, and its
/// definition fits in one line for a second implementation.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
        }
        return crc
    }

    /// Continues a checksum over `bytes[range]`. Start with `0`.
    public static func update(_ crc: UInt32, _ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var value = ~crc
        table.withUnsafeBufferPointer { table in
            bytes.withUnsafeBufferPointer { bytes in
                for index in range {
                    value = table[Int((value ^ UInt32(bytes[index])) & 0xFF)] ^ (value >> 8)
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
