import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A connection registered with a forwarding loop (docs/forwarding.md,
/// "Threads and event loops"): to a neighbour (`Key` = the link) or to a
/// local instance (`Key` = its endpoint). It stays registered between
/// calls, so a call takes it without a system call, and a far end that
/// closes it while idle is noticed at once.
final class ConnectionLease<Key: Hashable> {
    let fd: Int32
    let id: UInt64
    let key: Key
    /// The connection whose call uses it (an `IngressConnection` for an
    /// ingress call, a `NeighborConnection` for a relay or an egress call);
    /// nil while idle.
    var owner: AnyObject?
    /// When it last became idle (monotonic nanoseconds).
    var since: Int64 = 0

    init(fd: Int32, id: UInt64, key: Key) {
        self.fd = fd
        self.id = id
        self.key = key
    }
}

typealias HopLease = ConnectionLease<LinkID>
typealias InstanceLease = ConnectionLease<Endpoint>

/// The leases of one kind on one loop: every one registered, by id, and
/// the idle ones by key, the most recently used last. Bookkeeping only:
/// the loop registers, unregisters and closes the descriptors.
struct ConnectionLeases<Key: Hashable> {
    private(set) var all: [UInt64: ConnectionLease<Key>] = [:]
    private var idle: [Key: [ConnectionLease<Key>]] = [:]
    /// Idle longer than this, a lease is not used again.
    let maxIdleMs: Int64
    /// At most this many idle leases per key are kept.
    let maxPerKey: Int

    init(maxIdleMs: Int64, maxPerKey: Int) {
        self.maxIdleMs = maxIdleMs
        self.maxPerKey = maxPerKey
    }

    subscript(id: UInt64) -> ConnectionLease<Key>? { all[id] }

    /// The most recently parked idle lease for `key` that is young enough;
    /// the older ones met on the way are removed and given to `stale`.
    mutating func takeIdle(_ key: Key, now: Int64, stale: (ConnectionLease<Key>) -> Void) -> ConnectionLease<Key>? {
        while let lease = idle[key]?.popLast() {
            if (now - lease.since) / 1_000_000 < maxIdleMs { return lease }
            all[lease.id] = nil
            stale(lease)
        }
        return nil
    }

    mutating func add(_ lease: ConnectionLease<Key>) { all[lease.id] = lease }

    /// Makes `lease` idle for the next call on its key; false when there
    /// are enough idle ones already (the caller closes it, after `remove`).
    mutating func park(_ lease: ConnectionLease<Key>, now: Int64) -> Bool {
        lease.owner = nil
        lease.since = now
        guard (idle[lease.key]?.count ?? 0) < maxPerKey else { return false }
        idle[lease.key, default: []].append(lease)
        return true
    }

    /// Forgets `lease` (idle or in use); false if it was not here.
    mutating func remove(_ lease: ConnectionLease<Key>) -> Bool {
        guard all.removeValue(forKey: lease.id) != nil else { return false }
        if lease.owner == nil, let index = idle[lease.key]?.firstIndex(where: { $0 === lease }) {
            idle[lease.key]?.remove(at: index)
        }
        lease.owner = nil
        return true
    }

    /// The idle leases past `maxIdleMs` at `now` (all idle ones with `every`).
    func expired(now: Int64, every: Bool) -> [ConnectionLease<Key>] {
        idle.values.joined().filter { every || (now - $0.since) / 1_000_000 >= maxIdleMs }
    }
}
