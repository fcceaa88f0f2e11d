import DAMCWire

/// One incremental change to a forwarding table (the FIB is never rebuilt,
/// only patched: docs/routing.md §7).
public enum FIBChange: Hashable, Sendable {
    case add(ServiceName, [NextHop])
    case change(ServiceName, [NextHop])
    case remove(ServiceName)
}

/// The name FIB: longest-prefix match on whole components over a
/// `NameTable`, with next-hop sets interned (a handful of distinct sets
/// serve any number of prefixes).
public struct FIB: Sendable {
    private var table = NameTable()
    private var sets: [[NextHop]] = []
    private var setIndex: [[NextHop]: UInt32] = [:]
    private var setUses: [Int] = []

    public init() {}

    public var count: Int { table.count }

    /// The set interned last: consecutive changes usually carry the very
    /// same array (every route via one neighbour shares it), and comparing
    /// an array with itself is a pointer check, not a hash.
    private var lastSet: (hops: [NextHop], index: UInt32)?

    private mutating func intern(_ hops: [NextHop]) -> UInt32 {
        if let lastSet, lastSet.hops == hops {
            setUses[Int(lastSet.index)] += 1
            return lastSet.index
        }
        let index = lookupOrAdd(hops)
        lastSet = (hops, index)
        return index
    }

    private mutating func lookupOrAdd(_ hops: [NextHop]) -> UInt32 {
        if let index = setIndex[hops] {
            setUses[Int(index)] += 1
            return index
        }
        let index = UInt32(sets.count)
        sets.append(hops)
        setUses.append(1)
        setIndex[hops] = index
        return index
    }

    private mutating func release(_ index: UInt32) {
        setUses[Int(index)] -= 1
    }

    /// Applies a batch of changes, making room for the additions first.
    ///
    /// Next-hop sets are interned by array identity within the batch: the
    /// routes of one origin all carry the same array, and `changes` keeps
    /// every array alive (so no address is reused) until the batch ends.
    /// A thousand-origin recompute hashes a thousand sets, not one per route.
    public mutating func apply(contentsOf changes: [FIBChange]) {
        var additions = 0
        for change in changes { if case .add = change { additions += 1 } }
        table.reserveCapacity(table.count + additions)
        var byIdentity: [UnsafeRawPointer: UInt32] = [:]
        for change in changes {
            apply(change) { fib, hops in
                let identity = hops.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
                if let identity, let known = byIdentity[identity] {
                    fib.setUses[Int(known)] += 1
                    return known
                }
                let index = fib.intern(hops)
                if let identity { byIdentity[identity] = index }
                return index
            }
        }
    }

    /// Applies one change.
    public mutating func apply(_ change: FIBChange) {
        apply(change) { fib, hops in fib.intern(hops) }
    }

    /// Applies one change, interning next-hop sets with `intern`.
    private mutating func apply(_ change: FIBChange, intern: (inout FIB, [NextHop]) -> UInt32) {
        switch change {
        case let .add(name, hops), let .change(name, hops):
            let index = intern(&self, hops)
            if let old = table.set(index, for: name) { release(old) }
        case let .remove(name):
            if let old = table.remove(name) { release(old) }
        }
    }

    /// The next hops for exactly `prefix`.
    public func nextHops(for prefix: ServiceName) -> [NextHop]? {
        table.value(for: prefix).map { sets[Int($0)] }
    }

    /// The entry a call to `name` uses: the longest stored prefix of it.
    public func lookup(_ name: ServiceName) -> (prefix: ServiceName, nextHops: [NextHop])? {
        guard let (prefix, index) = table.longestPrefixMatch(name) else { return nil }
        return (prefix, sets[Int(index)])
    }

    /// Next hops of the longest match, without building the prefix name.
    public func lookupNextHops(_ name: ServiceName) -> [NextHop]? {
        table.longestPrefixMatchLength(name).map { sets[Int($0.value)] }
    }

    /// Next hops of the longest match of each name, for a batch (see
    /// `NameTable.longestPrefixMatchLengths`).
    public func lookupNextHops(batch names: ArraySlice<ServiceName>) -> [[NextHop]?] {
        table.longestPrefixMatchLengths(names).map { $0.map { sets[Int($0.value)] } }
    }

    /// Every entry in name order.
    public var entries: [(ServiceName, [NextHop])] {
        table.sorted.map { ($0.0, sets[Int($0.1)]) }
    }

    /// The changes that turn the routes of `old` into those of `new`.
    public static func diff(from old: RIB, to new: RIB) -> [FIBChange] {
        var changes: [FIBChange] = []
        if old.routes.isEmpty {
            // A first run (or a restart): everything is an addition, no lookups.
            changes.reserveCapacity(new.routes.count)
            for (name, route) in new.routes { changes.append(.add(name, route.nextHops)) }
            return changes
        }
        for (name, route) in new.routes {
            if let previous = old.routes[name] {
                if previous.nextHops != route.nextHops { changes.append(.change(name, route.nextHops)) }
            } else {
                changes.append(.add(name, route.nextHops))
            }
        }
        for name in old.routes.keys where new.routes[name] == nil {
            changes.append(.remove(name))
        }
        return changes
    }

    /// Bytes held by the table (for the memory benchmark).
    public var approximateBytes: Int { table.approximateBytes }
}
