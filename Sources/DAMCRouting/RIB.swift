import DAMCWire

/// The best route to one service prefix (draft-li-icnrg-damc §7.1 step 5):
/// its cost, every equal-cost next hop, and the gateways that originate it.
/// A prefix served by several gateways is anycast: the nearest wins, and all
/// equally near are kept.
public struct RIBEntry: Hashable, Sendable {
    public var cost: UInt64
    public var nextHops: [NextHop]
    public var origins: [NodeID]

    public init(cost: UInt64, nextHops: [NextHop], origins: [NodeID]) {
        self.cost = cost
        self.nextHops = nextHops
        self.origins = origins
    }
}

extension RIBEntry {
    /// Makes this route the better of itself and `other` (anycast: equal
    /// costs keep every origin and next hop). `other` has one origin.
    mutating func keep(_ other: RIBEntry) {
        if other.cost < cost {
            self = other
        } else if other.cost == cost, let origin = other.origins.first, !origins.contains(origin) {
            nextHops = SPFResult.merge(nextHops, other.nextHops)
            origins.append(origin)
            origins.sort()
        }
    }
}

/// The routing information base: prefix to best route.
public struct RIB: Sendable, Equatable {
    public private(set) var routes: [ServiceName: RIBEntry] = [:]
    /// Entries of reachable origins that `accept` refused.
    public private(set) var refused = 0
    /// For each prefix this node originates itself, the best route to the
    /// other gateways that serve it too (docs/forwarding.md §egress: a call
    /// that finds no healthy local instance goes on to one of them).
    public private(set) var alternates: [ServiceName: RIBEntry] = [:]

    public init() {}

    /// Builds the RIB from the live service-prefix LSAs and an SPF result.
    /// (An origin listing one prefix twice, in two fragments, counts once.)
    /// Prefixes of unreachable origins are left out; a prefix `accept`
    /// refuses (e.g. without a valid grant) is left out and counted by the
    /// caller.
    public init(lsdb: LSDB, spf: SPFResult, selfID: NodeID, now: Instant,
                accept: ((PrefixEntry, NodeID) -> Bool)? = nil) {
        // One pass over the LSDB picks the live service-prefix LSAs (their
        // entry arrays are shared, not copied) and this node's own prefixes.
        var lists: [(origin: NodeID, prefixes: [PrefixEntry])] = []
        var total = 0
        var own: Set<ServiceName> = []
        for (key, entry) in lsdb.entries where key.type == .servicePrefix && !entry.isPurged(at: now) {
            guard case let .servicePrefix(prefixes) = entry.lsa.body else { continue }
            total += prefixes.count
            if key.origin == selfID { for position in prefixes.indices { own.insert(prefixes[position].prefix) } }
            lists.append((key.origin, prefixes))
        }
        routes.reserveCapacity(total)
        // A fresh slot holds this route until `keep` replaces it: costlier
        // than any real route, so the first route kept is taken whole.
        let unset = RIBEntry(cost: .max, nextHops: [], origins: [])
        for (origin, prefixes) in lists {
            guard let (distance, originHops) = spf.route(to: origin) else { continue }
            let hops: [NextHop] = origin == selfID ? [.local] : originHops
            if hops.isEmpty { continue }
            let origins = [origin]   // shared by every route of this LSA until one changes
            // Through a buffer, field by field: copying an entry would retain
            // its grant and extensions only to read two fields.
            prefixes.withUnsafeBufferPointer { prefixes in
                for position in prefixes.indices {
                    if let accept, !accept(prefixes[position], origin) {
                        refused += 1
                        continue
                    }
                    let route = RIBEntry(cost: distance + UInt64(prefixes[position].metric), nextHops: hops, origins: origins)
                    if !own.isEmpty && origin != selfID && own.contains(prefixes[position].prefix) {
                        alternates[prefixes[position].prefix, default: unset].keep(route)
                    }
                    // One hash per prefix: the default-inserting accessor finds
                    // or makes the slot, and the route is kept in place.
                    routes[prefixes[position].prefix, default: unset].keep(route)
                }
            }
        }
    }

}
