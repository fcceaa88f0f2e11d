import DAMCWire

/// Which of two instances of one LSA is newer (docs/routing.md §3, after
/// RFC 2328 §13.1 and ISO 10589 §7.3.16): higher sequence number; on equal
/// sequence, higher checksum (two different contents, one must win
/// everywhere); on equal checksum, a purged instance (lifetime 0) wins;
/// otherwise they are the same instance.
public enum LSAOrder: Sendable, Equatable {
    case newer, same, older

    public static func compare(sequence: UInt64, checksum: UInt32, lifetime: UInt16,
                               to other: (sequence: UInt64, checksum: UInt32, lifetime: UInt16)) -> LSAOrder {
        if sequence != other.sequence { return sequence > other.sequence ? .newer : .older }
        if checksum != other.checksum { return checksum > other.checksum ? .newer : .older }
        let purged = lifetime == 0, otherPurged = other.lifetime == 0
        if purged != otherPurged { return purged ? .newer : .older }
        return .same
    }

    /// Compares `header` with `other`.
    public static func compare(_ header: LSAHeader, to other: LSAHeader) -> LSAOrder {
        compare(sequence: header.sequence, checksum: header.checksum, lifetime: header.lifetime,
                to: (other.sequence, other.checksum, other.lifetime))
    }
}
