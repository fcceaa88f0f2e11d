import DAMCWire

/// A name tree for longest-prefix match on whole name components, in the
/// style of NFD's NameTree: every stored prefix sits in one open-addressing
/// hash table keyed by the hash of its wire components, and a lookup
/// hashes the looked-up name once, component by component, then probes the
/// prefix lengths that exist, longest first. Cost is one hash pass plus
/// at most one probe per distinct prefix length (≤ 33), whatever the
/// number of entries, with no allocation.
///
/// Names live in one byte arena (no allocation per entry); removal leaves
/// garbage that is compacted when it outweighs the live bytes.
public struct NameTable<Value>: Sendable where Value: Sendable {
    private struct Entry: Sendable {
        var hash: UInt64
        var offset: UInt32
        var length: UInt32      // bytes of length-prefixed storage
        var components: UInt8
        var live: Bool
        var value: Value?
    }

    private var entries: [Entry] = []
    private var freeEntries: [Int32] = []
    /// Open addressing. Each slot packs the entry index (low 32 bits) with
    /// the high 32 bits of its hash as a tag, so a probe rejects most
    /// non-matching slots without touching the entry or its bytes (a cache
    /// miss each at a million entries). `empty` and `deleted` are reserved.
    private var slots: [UInt64] = Array(repeating: NameTable.empty, count: 16)
    private static var empty: UInt64 { .max }
    private static var deleted: UInt64 { .max - 1 }
    private var usedSlots = 0      // live + deleted
    private var arena: [UInt8] = []
    private var garbageBytes = 0
    /// How many live entries have each component count (0...32).
    private var lengthCounts = [Int](repeating: 0, count: Limits.maxNameComponents + 1)

    /// Number of stored prefixes.
    public private(set) var count = 0

    public init() {}

    // MARK: Hashing

    private static func hash(_ storage: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in storage { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    // MARK: Lookup

    private func matches(_ entry: Entry, _ storage: UnsafeBufferPointer<UInt8>, length: Int) -> Bool {
        guard Int(entry.length) == length else { return false }
        return arena.withUnsafeBufferPointer { arena in
            for index in 0..<length where arena[Int(entry.offset) + index] != storage[index] { return false }
            return true
        }
    }

    private func findSlot(hash: UInt64, _ storage: UnsafeBufferPointer<UInt8>, length: Int) -> Int? {
        let mask = slots.count - 1
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            while true {
                let packed = slots[slot]
                if packed == Self.empty { return nil }
                if packed != Self.deleted && packed >> 32 == tag {
                    let entry = entries[Int(packed & 0xFFFF_FFFF)]
                    if entry.hash == hash && matches(entry, storage, length: length) { return slot }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    private func entryIndex(_ slot: Int) -> Int { Int(slots[slot] & 0xFFFF_FFFF) }

    /// The value stored for exactly `name`.
    public func value(for name: ServiceName) -> Value? {
        name.storage.withUnsafeBufferPointer { storage in
            guard let slot = findSlot(hash: Self.hash(name.storage), storage, length: storage.count) else { return nil }
            return entries[entryIndex(slot)].value
        }
    }

    /// The longest stored prefix of `name` (by whole components) and its value.
    public func longestPrefixMatch(_ name: ServiceName) -> (prefix: ServiceName, value: Value)? {
        guard let (components, value) = longestPrefixMatchLength(name) else { return nil }
        return (name.prefix(components), value)
    }

    /// The component count of the longest stored prefix of `name`, and its
    /// value, without building the prefix (no allocation).
    public func longestPrefixMatchLength(_ name: ServiceName) -> (components: Int, value: Value)? {
        guard count > 0 else { return nil }
        return name.storage.withUnsafeBufferPointer { storage -> (Int, Value)? in
            // One forward pass: hash the name component by component and probe
            // each prefix length that has entries; the last hit is the longest.
            var best: (Int, Value)?
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            if lengthCounts[0] > 0, let slot = findSlot(hash: hash, storage, length: 0),
               let value = entries[entryIndex(slot)].value {
                best = (0, value)
            }
            var offset = 0
            var component = 0
            while offset < storage.count && component < Limits.maxNameComponents {
                let end = offset + 1 + Int(storage[offset])
                while offset < end {
                    hash = (hash ^ UInt64(storage[offset])) &* 0x0000_0100_0000_01B3
                    offset += 1
                }
                component += 1
                if lengthCounts[component] > 0, let slot = findSlot(hash: hash, storage, length: offset),
                   let value = entries[entryIndex(slot)].value {
                    best = (component, value)
                }
            }
            return best
        }
    }

    // MARK: Update

    /// Stores `value` for exactly `name`, replacing any previous value.
    /// Returns the previous value.
    @discardableResult
    public mutating func set(_ value: Value, for name: ServiceName) -> Value? {
        let hash = Self.hash(name.storage)
        let existing = name.storage.withUnsafeBufferPointer { findSlot(hash: hash, $0, length: $0.count) }
        if let slot = existing {
            let index = entryIndex(slot)
            let old = entries[index].value
            entries[index].value = value
            return old
        }
        if (usedSlots + 1) * 4 > slots.count * 3 { rehash(capacity: max(16, (count + 1) * 2)) }
        let offset = UInt32(arena.count)
        arena.append(contentsOf: name.storage)
        let entry = Entry(hash: hash, offset: offset, length: UInt32(name.storage.count),
                          components: UInt8(name.count), live: true, value: value)
        let index: Int
        if let free = freeEntries.popLast() {
            index = Int(free)
            entries[index] = entry
        } else {
            index = entries.count
            entries.append(entry)
        }
        insertSlot(hash: hash, index: index)
        usedSlots += 1
        count += 1
        lengthCounts[name.count] += 1
        return nil
    }

    /// Removes `name`; returns its value if it was stored.
    @discardableResult
    public mutating func remove(_ name: ServiceName) -> Value? {
        let hash = Self.hash(name.storage)
        guard let slot = name.storage.withUnsafeBufferPointer({ findSlot(hash: hash, $0, length: $0.count) }) else {
            return nil
        }
        let index = entryIndex(slot)
        let old = entries[index].value
        garbageBytes += Int(entries[index].length)
        lengthCounts[Int(entries[index].components)] -= 1
        entries[index].live = false
        entries[index].value = nil
        freeEntries.append(Int32(index))
        slots[slot] = Self.deleted
        count -= 1
        if garbageBytes > 4096 && garbageBytes > arena.count / 2 { compact() }
        return old
    }

    private mutating func insertSlot(hash: UInt64, index: Int) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != Self.empty && slots[slot] != Self.deleted { slot = (slot + 1) & mask }
        slots[slot] = (hash >> 32) << 32 | UInt64(index)
    }

    private mutating func rehash(capacity: Int) {
        var size = 16
        while size < capacity * 4 / 3 + 1 { size <<= 1 }
        slots = Array(repeating: Self.empty, count: size)
        usedSlots = 0
        for index in entries.indices where entries[index].live {
            insertSlot(hash: entries[index].hash, index: index)
            usedSlots += 1
        }
    }

    private mutating func compact() {
        var newArena: [UInt8] = []
        newArena.reserveCapacity(arena.count - garbageBytes)
        for index in entries.indices where entries[index].live {
            let start = Int(entries[index].offset)
            entries[index].offset = UInt32(newArena.count)
            newArena.append(contentsOf: arena[start..<(start + Int(entries[index].length))])
        }
        arena = newArena
        garbageBytes = 0
        rehash(capacity: max(16, count * 2))
    }

    /// Every stored prefix with its value, in canonical name order.
    public var sorted: [(ServiceName, Value)] {
        var result: [(ServiceName, Value)] = []
        for entry in entries where entry.live {
            let bytes = Array(arena[Int(entry.offset)..<(Int(entry.offset) + Int(entry.length))])
            var components: [[UInt8]] = []
            var offset = 0
            while offset < bytes.count {
                let length = Int(bytes[offset])
                components.append(Array(bytes[(offset + 1)..<(offset + 1 + length)]))
                offset += 1 + length
            }
            if let name = try? ServiceName(components: components), let value = entry.value {
                result.append((name, value))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// Bytes held by the table's own storage (for the memory benchmark).
    public var approximateBytes: Int {
        entries.capacity * MemoryLayout<Entry>.stride + slots.capacity * 8 + arena.capacity
            + freeEntries.capacity * 4
    }
}
