import DAMCWire

/// A name tree for longest-prefix match on whole name components, in the
/// style of NFD's NameTree: every stored prefix sits in one open-addressing
/// hash table keyed by the hash of its wire components, and a lookup
/// hashes the looked-up name once, component by component, then probes the
/// prefix lengths that exist, longest first. Cost is one hash pass plus
/// at most one probe per distinct prefix length (≤ 33), whatever the
/// number of entries, with no allocation.
///
/// Layout, chosen for a million entries, where every random access is a
/// cache miss of about 190 ns on the reference VM (docs/performance.md):
/// a slot is 32 bytes (half a cache line) and holds the hash tag, the
/// name's length and component count, the value, and the name's
/// length-prefixed storage itself when it fits in 20 bytes (most service
/// prefixes: `/shop/cart` is 10). A hit on such a name costs one miss.
/// Longer names live in a byte arena that the slot points to (two misses);
/// removal leaves garbage there that is compacted when it outweighs the
/// live bytes.
///
/// Slot layout (little-endian): 0 tag (UInt32, high half of the hash),
/// 4 storage length (UInt16), 6 state (0 empty, 1 live, 2 deleted),
/// 7 component count, 8 value (UInt32), 12 the storage inline (≤ 20 bytes)
/// or its arena offset (UInt32).
public struct NameTable: Sendable {
    public typealias Value = UInt32

    private static let slotBytes = 32
    private static let inlineCapacity = 20
    private static let empty: UInt8 = 0
    private static let live: UInt8 = 1
    private static let deleted: UInt8 = 2

    /// The slots, cache-line aligned so a slot never straddles two lines
    /// (huge pages for large tables: see `SlotMemory`).
    private var slots = SlotMemory(count: 16 * NameTable.slotBytes)
    private var capacity = 16       // slots, a power of two
    private var usedSlots = 0       // live + deleted
    private var arena: [UInt8] = []
    private var garbageBytes = 0
    /// How many live entries have each component count (0...32).
    private var lengthCounts = [Int](repeating: 0, count: Limits.maxNameComponents + 1)
    /// The component count of the longest live entry (an upper bound: it
    /// is lowered only when recomputed on a rehash).
    private var longestStored = 0

    /// Number of stored prefixes.
    public private(set) var count = 0

    public init() {}

    // MARK: Hashing

    private static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Folds one component (its length byte and its bytes, `bytes[0..<count]`)
    /// into `hash`, eight bytes per multiply. Hashing component by
    /// component lets a lookup hash every prefix of a name in one pass; the
    /// length byte keeps zero padding of the last chunk unambiguous.
    @inline(__always)
    private static func mix(_ hash: UInt64, _ bytes: UnsafeRawPointer, count: Int) -> UInt64 {
        var hash = hash
        var index = 0
        while index + 8 <= count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 32
            index += 8
        }
        if index < count {
            var chunk: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                chunk |= UInt64(bytes.load(fromByteOffset: index, as: UInt8.self)) << shift
                shift += 8
                index += 1
            }
            hash = (hash ^ chunk) &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 32
        }
        return hash
    }

    /// The hash of a whole name's storage: its components folded in order.
    private static func hash(_ storage: UnsafeRawBufferPointer) -> UInt64 {
        var hash = seed
        var offset = 0
        while offset < storage.count {
            let count = 1 + Int(storage[offset])
            hash = mix(hash, storage.baseAddress! + offset, count: count)
            offset += count
        }
        return hash
    }

    /// Byte equality, eight bytes at a time.
    @inline(__always)
    private static func equalBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ length: Int) -> Bool {
        var index = 0
        while index + 8 <= length {
            if a.loadUnaligned(fromByteOffset: index, as: UInt64.self) != b.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                return false
            }
            index += 8
        }
        while index < length {
            if a.load(fromByteOffset: index, as: UInt8.self) != b.load(fromByteOffset: index, as: UInt8.self) { return false }
            index += 1
        }
        return true
    }

    // MARK: Slots

    /// A read-only view of the slots and the arena.
    private struct View {
        let table: UnsafeRawBufferPointer
        let arena: UnsafeRawBufferPointer
        let mask: Int

        @inline(__always) func header(_ slot: Int) -> UInt64 {
            table.loadUnaligned(fromByteOffset: slot * NameTable.slotBytes, as: UInt64.self).littleEndian
        }
        @inline(__always) func state(_ slot: Int) -> UInt8 { UInt8(truncatingIfNeeded: header(slot) >> 48) }
        @inline(__always) func length(_ slot: Int) -> Int { Int(UInt16(truncatingIfNeeded: header(slot) >> 32)) }
        @inline(__always) func components(_ slot: Int) -> Int { Int(header(slot) >> 56) }
        @inline(__always) func value(_ slot: Int) -> Value {
            table.loadUnaligned(fromByteOffset: slot * NameTable.slotBytes + 8, as: UInt32.self).littleEndian
        }
        @inline(__always) func arenaOffset(_ slot: Int) -> Int {
            Int(table.loadUnaligned(fromByteOffset: slot * NameTable.slotBytes + 12, as: UInt32.self).littleEndian)
        }
        /// The name storage of a live slot.
        @inline(__always) func bytes(_ slot: Int) -> UnsafeRawBufferPointer {
            let length = length(slot)
            if length <= NameTable.inlineCapacity {
                return UnsafeRawBufferPointer(start: table.baseAddress! + slot * NameTable.slotBytes + 12, count: length)
            }
            return UnsafeRawBufferPointer(start: arena.baseAddress! + arenaOffset(slot), count: length)
        }

        /// The live slot holding exactly `storage[0..<length]`, whose hash is `hash`.
        @inline(__always)
        func find(hash: UInt64, _ storage: UnsafeRawPointer, length: Int) -> Int? {
            // Tag, length and the live state, compared in one go.
            let expected = hash >> 32 | UInt64(length) << 32 | UInt64(NameTable.live) << 48
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let header = header(slot)
                if UInt8(truncatingIfNeeded: header >> 48) == NameTable.empty { return nil }
                if header & 0x00FF_FFFF_FFFF_FFFF == expected {
                    let stored = length <= NameTable.inlineCapacity
                        ? table.baseAddress! + slot * NameTable.slotBytes + 12
                        : arena.baseAddress! + arenaOffset(slot)
                    if NameTable.equalBytes(stored, storage, length) { return slot }
                }
                slot = (slot + 1) & mask
            }
        }

        /// One probe sequence: the live slot holding exactly the name, or
        /// the first deleted or empty slot where it would go.
        @inline(__always)
        func probe(hash: UInt64, _ storage: UnsafeRawPointer, length: Int) -> Probe {
            let expected = hash >> 32 | UInt64(length) << 32 | UInt64(NameTable.live) << 48
            var slot = Int(truncatingIfNeeded: hash) & mask
            var reusable: Int?
            while true {
                let header = header(slot)
                let state = UInt8(truncatingIfNeeded: header >> 48)
                if state == NameTable.empty { return reusable.map { .free($0, wasEmpty: false) } ?? .free(slot, wasEmpty: true) }
                if state == NameTable.deleted {
                    if reusable == nil { reusable = slot }
                } else if header & 0x00FF_FFFF_FFFF_FFFF == expected {
                    let stored = length <= NameTable.inlineCapacity
                        ? table.baseAddress! + slot * NameTable.slotBytes + 12
                        : arena.baseAddress! + arenaOffset(slot)
                    if NameTable.equalBytes(stored, storage, length) { return .found(slot) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Where a name is, or where it would be stored.
    private enum Probe {
        case found(Int)
        /// The first reusable slot of the sequence; `wasEmpty` when it had
        /// never been used (a deleted slot is reused without growing `usedSlots`).
        case free(Int, wasEmpty: Bool)
    }

    private func withView<R>(_ body: (View) -> R) -> R {
        withExtendedLifetime(slots) {
            let table = UnsafeRawBufferPointer(start: slots.base, count: capacity * Self.slotBytes)
            return arena.withUnsafeBytes { arena in body(View(table: table, arena: arena, mask: capacity - 1)) }
        }
    }

    /// The slots for writing, copied first if another table value shares them.
    private mutating func withMutableSlots<R>(_ body: (UnsafeMutableRawBufferPointer) -> R) -> R {
        if !isKnownUniquelyReferenced(&slots) { slots = slots.copy() }
        return withExtendedLifetime(slots) {
            body(UnsafeMutableRawBufferPointer(start: slots.base, count: capacity * Self.slotBytes))
        }
    }

    private func slot(for storage: [UInt8]) -> Int? {
        storage.withUnsafeBytes { storage in
            withView { view in
                view.find(hash: Self.hash(storage), storage.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length: storage.count)
            }
        }
    }

    private mutating func writeSlot(_ slot: Int, header: UInt64, value: Value, storage: UnsafeRawBufferPointer, arenaOffset: Int?) {
        withMutableSlots { table in
            let base = slot * Self.slotBytes
            table.storeBytes(of: header.littleEndian, toByteOffset: base, as: UInt64.self)
            table.storeBytes(of: value.littleEndian, toByteOffset: base + 8, as: UInt32.self)
            if let arenaOffset {
                table.storeBytes(of: UInt32(arenaOffset).littleEndian, toByteOffset: base + 12, as: UInt32.self)
            } else if storage.count > 0 {
                UnsafeMutableRawBufferPointer(rebasing: table[(base + 12)..<(base + 12 + storage.count)]).copyMemory(from: storage)
            }
        }
    }

    // MARK: Lookup

    /// The value stored for exactly `name`.
    public func value(for name: ServiceName) -> Value? {
        guard let slot = slot(for: name.storage) else { return nil }
        return withView { $0.value(slot) }
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
        return name.storage.withUnsafeBytes { storage -> (Int, Value)? in
            let base = storage.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            return withView { view in
                lengthCounts.withUnsafeBufferPointer { lengthCounts in
                    // One forward pass: hash the name component by component and
                    // probe each prefix length that has entries; the last hit is
                    // the longest.
                    var best: (Int, Value)?
                    var hash = Self.seed
                    if lengthCounts[0] > 0, let slot = view.find(hash: hash, base, length: 0) {
                        best = (0, view.value(slot))
                    }
                    var offset = 0
                    var component = 0
                    // Components past the longest stored prefix cannot match.
                    let limit = min(longestStored, Limits.maxNameComponents)
                    while offset < storage.count && component < limit {
                        let count = 1 + Int(storage[offset])
                        hash = Self.mix(hash, base + offset, count: count)
                        offset += count
                        component += 1
                        if lengthCounts[component] > 0, let slot = view.find(hash: hash, base, length: offset) {
                            best = (component, view.value(slot))
                        }
                    }
                    return best
                }
            }
        }
    }

    /// `longestPrefixMatchLength` for a batch of names, faster per name at a
    /// million entries: all candidate slots of the batch are touched first
    /// (independent loads, so their cache misses overlap, as vector packet
    /// processors do), then resolved. Results are in the order of `names`.
    public func longestPrefixMatchLengths(_ names: ArraySlice<ServiceName>) -> [(components: Int, value: Value)?] {
        var results = [(components: Int, value: Value)?](repeating: nil, count: names.count)
        guard count > 0 else { return results }
        // (name position, component count, hash, storage length)
        var candidates: [(Int, Int, UInt64, Int)] = []
        candidates.reserveCapacity(names.count * 2)
        let limit = min(longestStored, Limits.maxNameComponents)
        for (position, name) in names.enumerated() {
            name.storage.withUnsafeBytes { storage in
                var hash = Self.seed
                if lengthCounts[0] > 0 { candidates.append((position, 0, hash, 0)) }
                var offset = 0, component = 0
                while offset < storage.count && component < limit {
                    let length = 1 + Int(storage[offset])
                    hash = Self.mix(hash, storage.baseAddress! + offset, count: length)
                    offset += length
                    component += 1
                    if lengthCounts[component] > 0 { candidates.append((position, component, hash, offset)) }
                }
            }
        }
        withView { view in
            // Touch every candidate's slot; the loads do not depend on each other.
            var touched: UInt64 = 0
            for candidate in candidates { touched &+= view.header(Int(truncatingIfNeeded: candidate.2) & view.mask) }
            withExtendedLifetime(touched) {}
            for (position, components, hash, length) in candidates {
                let name = names[names.startIndex + position]
                name.storage.withUnsafeBytes { storage in
                    let base = storage.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                    if let slot = view.find(hash: hash, base, length: length) {
                        results[position] = (components, view.value(slot))
                    }
                }
            }
        }
        return results
    }

    // MARK: Update

    /// Stores `value` for exactly `name`, replacing any previous value.
    /// Returns the previous value.
    ///
    /// One probe sequence both looks for the name and notes where it would
    /// go (the first deleted slot passed, or the empty slot that ends it).
    @discardableResult
    public mutating func set(_ value: Value, for name: ServiceName) -> Value? {
        let hash = name.storage.withUnsafeBytes { Self.hash($0) }
        var probe = name.storage.withUnsafeBytes { storage in
            withView { $0.probe(hash: hash, storage.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length: storage.count) }
        }
        if case let .found(slot) = probe {
            let old = withView { $0.value(slot) }
            withMutableSlots {
                $0.storeBytes(of: value.littleEndian, toByteOffset: slot * Self.slotBytes + 8, as: UInt32.self)
            }
            return old
        }
        // At most 3/4 full (live + deleted); a rehash leaves it at most 5/8
        // full, so it doubles at most once per 3/8 growth.
        if (usedSlots + 1) * 4 > capacity * 3 {
            rehash(entries: count + 1)
            probe = name.storage.withUnsafeBytes { storage in
                withView { $0.probe(hash: hash, storage.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, length: storage.count) }
            }
        }
        guard case let .free(slot, wasEmpty) = probe else { preconditionFailure("name table: a name found after a miss") }
        if wasEmpty { usedSlots += 1 }
        name.storage.withUnsafeBytes { storage in
            var arenaOffset: Int?
            if storage.count > Self.inlineCapacity {
                precondition(arena.count + storage.count < 0xFFFF_FFFF, "name table arena over 4 GiB")
                arenaOffset = arena.count
                arena.append(contentsOf: storage)
            }
            let header = hash >> 32 | UInt64(storage.count) << 32 | UInt64(Self.live) << 48 | UInt64(name.count) << 56
            writeSlot(slot, header: header, value: value, storage: storage, arenaOffset: arenaOffset)
        }
        count += 1
        lengthCounts[name.count] += 1
        longestStored = max(longestStored, name.count)
        return nil
    }

    /// Makes room for `entries` entries without further rehashing.
    public mutating func reserveCapacity(_ entries: Int) {
        if entries * 4 > capacity * 3 { rehash(entries: entries) }
    }

    /// Removes `name`; returns its value if it was stored.
    @discardableResult
    public mutating func remove(_ name: ServiceName) -> Value? {
        guard let slot = slot(for: name.storage) else { return nil }
        let old = withView { $0.value(slot) }
        if name.storage.count > Self.inlineCapacity { garbageBytes += name.storage.count }
        withMutableSlots { $0[slot * Self.slotBytes + 6] = Self.deleted }
        lengthCounts[name.count] -= 1
        count -= 1
        if garbageBytes > 4096 && garbageBytes > arena.count / 2 { compact() }
        return old
    }

    /// Rebuilds the slots for `entries` entries at most 5/8 full, dropping
    /// deleted slots (hashes are recomputed from the names: none are stored).
    private mutating func rehash(entries: Int) {
        var size = 16
        while size * 5 < entries * 8 { size <<= 1 }
        let fresh = SlotMemory(count: size * Self.slotBytes)
        var placed = 0
        withView { view in
            let table = UnsafeMutableRawBufferPointer(start: fresh.base, count: size * Self.slotBytes)
            for slot in 0..<capacity where view.state(slot) == Self.live {
                var target = Int(truncatingIfNeeded: Self.hash(view.bytes(slot))) & (size - 1)
                while table[target * Self.slotBytes + 6] != Self.empty { target = (target + 1) & (size - 1) }
                UnsafeMutableRawBufferPointer(rebasing: table[(target * Self.slotBytes)..<((target + 1) * Self.slotBytes)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: view.table[(slot * Self.slotBytes)..<((slot + 1) * Self.slotBytes)]))
                placed += 1
            }
        }
        slots = fresh
        capacity = size
        usedSlots = placed
        longestStored = lengthCounts.lastIndex { $0 > 0 } ?? 0
    }

    /// Copies the live arena names into a fresh arena.
    private mutating func compact() {
        var newArena: [UInt8] = []
        newArena.reserveCapacity(arena.count - garbageBytes)
        for slot in 0..<capacity {
            let (state, length, offset) = withView { ($0.state(slot), $0.length(slot), $0.arenaOffset(slot)) }
            guard state == Self.live, length > Self.inlineCapacity else { continue }
            let newOffset = newArena.count
            newArena.append(contentsOf: arena[offset..<(offset + length)])
            withMutableSlots {
                $0.storeBytes(of: UInt32(newOffset).littleEndian, toByteOffset: slot * Self.slotBytes + 12, as: UInt32.self)
            }
        }
        arena = newArena
        garbageBytes = 0
    }

    /// Every stored prefix with its value, in canonical name order.
    public var sorted: [(ServiceName, Value)] {
        var result: [(ServiceName, Value)] = []
        withView { view in
            for slot in 0..<capacity where view.state(slot) == Self.live {
                let storage = view.bytes(slot)
                var components: [[UInt8]] = []
                var position = 0
                while position < storage.count {
                    let length = Int(storage[position])
                    components.append(Array(storage[(position + 1)..<(position + 1 + length)]))
                    position += 1 + length
                }
                if let name = try? ServiceName(components: components) { result.append((name, view.value(slot))) }
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    /// Bytes held by the table's own storage (for the memory benchmark).
    public var approximateBytes: Int { slots.count + arena.capacity }
}
