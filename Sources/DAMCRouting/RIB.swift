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
        var total = 0
        for (key, entry) in lsdb.entries where key.type == .servicePrefix {
            if case let .servicePrefix(prefixes) = entry.lsa.body { total += prefixes.count }
        }
        routes.reserveCapacity(total)
        var own: Set<ServiceName> = []
        for (key, entry) in lsdb.entries where key.type == .servicePrefix && key.origin == selfID && !entry.isPurged(at: now) {
            if case let .servicePrefix(prefixes) = entry.lsa.body { for prefix in prefixes { own.insert(prefix.prefix) } }
        }
        for (key, entry) in lsdb.entries where key.type == .servicePrefix && !entry.isPurged(at: now) {
            guard case let .servicePrefix(prefixes) = entry.lsa.body,
                  let distance = spf.distance[key.origin] else { continue }
            let hops: [NextHop] = key.origin == selfID ? [.local] : (spf.nextHops[key.origin] ?? [])
            if hops.isEmpty { continue }
            let origins = [key.origin]   // shared by every route of this LSA until one changes
            // By index: iterating the entries would copy each (its grant and
            // extensions included) only to read two fields.
            for position in prefixes.indices {
                if let accept, !accept(prefixes[position], key.origin) {
                    refused += 1
                    continue
                }
                let cost = distance + UInt64(prefixes[position].metric)
                let name = prefixes[position].prefix
                if !own.isEmpty && key.origin != selfID && own.contains(name) {
                    Self.keepBest(&alternates, name, RIBEntry(cost: cost, nextHops: hops, origins: origins))
                }
                // One hash per prefix: the default-inserting accessor finds
                // or makes the slot, and the route is updated in place (a
                // new slot holds `route` already, which keeping leaves as is).
                let route = RIBEntry(cost: cost, nextHops: hops, origins: origins)
                routes[name, default: route].keep(route)
            }
        }
    }

    /// Keeps the cheaper of two routes to `name`, or both origins' next
    /// hops when they cost the same.
    static func keepBest(_ table: inout [ServiceName: RIBEntry], _ name: ServiceName, _ route: RIBEntry) {
        table[name, default: route].keep(route)
    }
}
