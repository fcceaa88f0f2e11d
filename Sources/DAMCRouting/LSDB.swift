import DAMCWire

/// One LSA as held in the link-state database, with when it was installed
/// so its remaining lifetime can be computed at any instant (aging).
public struct LSDBEntry: Sendable {
    /// The LSA as received or originated; its `lifetime` is the remaining
    /// lifetime at `installedAt`.
    public var lsa: LSA
    public var checksum: UInt32
    public var installedAt: Instant

    /// Remaining lifetime at `now`, whole seconds, never below 0.
    public func remainingLifetime(at now: Instant) -> UInt16 {
        let elapsed = (now.nanoseconds - installedAt.nanoseconds) / 1_000_000_000
        return elapsed >= Int64(lsa.lifetime) ? 0 : lsa.lifetime - UInt16(elapsed)
    }

    /// When the remaining lifetime reaches 0.
    public var expiresAt: Instant { installedAt + .seconds(Int64(lsa.lifetime)) }

    /// Purged: originated or aged to lifetime 0. A purged LSA is kept for a
    /// while so the purge floods, but never used by SPF.
    public func isPurged(at now: Instant) -> Bool { remainingLifetime(at: now) == 0 }

    /// The header as acks and summaries carry it at `now`.
    public func header(at now: Instant) -> LSAHeader {
        LSAHeader(key: lsa.key, sequence: lsa.sequence, lifetime: remainingLifetime(at: now), checksum: checksum)
    }

    /// The LSA with its lifetime aged to `now`, ready to flood.
    public func aged(at now: Instant) -> LSA {
        var copy = lsa
        copy.lifetime = remainingLifetime(at: now)
        return copy
    }
}

/// The link-state database: every LSA instance a node holds, by key.
public struct LSDB: Sendable {
    public private(set) var entries: [LSAKey: LSDBEntry] = [:]
    /// Incremented on every change; lets callers skip work when nothing moved.
    public private(set) var generation = 0

    public init() {}

    public subscript(key: LSAKey) -> LSDBEntry? { entries[key] }

    public var count: Int { entries.count }

    /// Installs an instance, replacing any other instance of its key.
    public mutating func install(_ lsa: LSA, checksum: UInt32, now: Instant) {
        entries[lsa.key] = LSDBEntry(lsa: lsa, checksum: checksum, installedAt: now)
        generation += 1
    }

    public mutating func remove(_ key: LSAKey) {
        if entries.removeValue(forKey: key) != nil { generation += 1 }
    }

    /// Headers of every LSA at `now`, in key order (database summaries).
    public func headers(at now: Instant) -> [LSAHeader] {
        entries.values.map { $0.header(at: now) }.sorted { $0.key < $1.key }
    }

    /// Compares an arriving instance with the one held (`.newer` if none).
    public func compare(_ header: LSAHeader, now: Instant) -> LSAOrder {
        guard let held = entries[header.key] else { return .newer }
        return LSAOrder.compare(header, to: held.header(at: now))
    }
}
