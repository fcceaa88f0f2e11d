import DAMCWire

/// The QoS forwarding policies a node holds (draft-li-icnrg-damc §6 item
/// 4; RFC 8735 §6; docs/forwarding.md §policies): installed by the SCSC,
/// consulted before the FIB while they live, gone when their lifetime runs
/// out, so that distributed routing takes over when the SCSC is away.
///
/// Sans-I/O: every operation takes `now` (monotonic nanoseconds).
public struct PolicyTable: Sendable, Equatable {
    /// One installed policy.
    public struct Entry: Sendable, Equatable {
        public var id: UInt64
        public var version: UInt64
        public var issuer: NodeID
        public var match: PolicyMatch
        public var action: PolicyAction
        public var lifetimeSeconds: UInt32
        public var installedAt: Int64
        public var expiresAt: Int64

        /// The node after `node` on the explicit path (nil when there is
        /// no path, `node` is not on it or is its last hop).
        public func nextHop(after node: NodeID) -> NodeID? {
            guard let hops = action.path?.hops, let position = hops.firstIndex(of: node), position + 1 < hops.count else {
                return nil
            }
            return hops[position + 1]
        }
    }

    /// What became of an install.
    public enum InstallOutcome: Sendable, Equatable {
        /// New, or a higher version replacing the one held.
        case installed
        /// The version held, its lifetime renewed.
        case refreshed
        /// Refused: the ack says why, and nothing changed.
        case rejected(String)
    }

    /// The most policies a node holds; more are refused.
    public static let capacity = 4096

    public let node: NodeID
    public private(set) var entries: [UInt64: Entry] = [:]
    /// Counters for `show counters`.
    public private(set) var installs = 0, refreshes = 0, rejections = 0, withdrawals = 0, expiries = 0

    public init(node: NodeID) {
        self.node = node
    }

    /// Installs or refreshes a policy. Refused: a path that does not pass
    /// through this node (no node installs a policy it would not carry), a
    /// path that visits a node twice, an older version than the one held,
    /// and a full table.
    public mutating func install(_ message: PolicyInstall, now: Int64) -> InstallOutcome {
        func reject(_ reason: String) -> InstallOutcome {
            rejections += 1
            return .rejected(reason)
        }
        if let hops = message.action.path?.hops {
            guard hops.contains(node) else { return reject("the path \(Self.describe(hops)) does not pass through \(node)") }
            guard Set(hops).count == hops.count else { return reject("the path \(Self.describe(hops)) visits a node twice") }
        }
        if let held = entries[message.policyID] {
            if message.version < held.version {
                return reject("version \(message.version) is older than the version \(held.version) held")
            }
            if message.version == held.version {
                entries[message.policyID]!.installedAt = now
                entries[message.policyID]!.expiresAt = now + Int64(message.lifetimeSeconds) * 1_000_000_000
                entries[message.policyID]!.lifetimeSeconds = message.lifetimeSeconds
                refreshes += 1
                return .refreshed
            }
        } else if entries.count >= Self.capacity {
            return reject("the policy table is full (\(Self.capacity) policies)")
        }
        entries[message.policyID] = Entry(id: message.policyID, version: message.version, issuer: message.issuer,
                                          match: message.match, action: message.action,
                                          lifetimeSeconds: message.lifetimeSeconds, installedAt: now,
                                          expiresAt: now + Int64(message.lifetimeSeconds) * 1_000_000_000)
        installs += 1
        return .installed
    }

    /// Removes the policy if the version held is at most the one named;
    /// true if it was there.
    @discardableResult
    public mutating func withdraw(_ message: PolicyWithdraw) -> Bool {
        guard let held = entries[message.policyID], held.version <= message.version else { return false }
        entries[message.policyID] = nil
        withdrawals += 1
        return true
    }

    /// Removes every policy whose lifetime ran out; their ids.
    @discardableResult
    public mutating func expire(now: Int64) -> [UInt64] {
        let gone = entries.values.filter { $0.expiresAt <= now }.map(\.id).sorted()
        for id in gone { entries[id] = nil }
        expiries += gone.count
        return gone
    }

    /// When the next policy expires.
    public var nextExpiry: Int64? { entries.values.map(\.expiresAt).min() }

    /// The live policy `id`.
    public func entry(_ id: UInt64, now: Int64) -> Entry? {
        entries[id].flatMap { $0.expiresAt > now ? $0 : nil }
    }

    /// The live policy for a call to `name` of `flowClass` (nil: the call
    /// has no class, and only policies for every class apply) entering
    /// DAMC here: the longest matching prefix, then the lowest id. Only
    /// policies whose path starts at this node (or that have no path) take
    /// calls by name; a node further along a path follows a policy only for
    /// the calls whose header names it, never for other calls to the prefix.
    public func match(_ name: ServiceName, flowClass: UInt8? = nil, now: Int64) -> Entry? {
        var best: Entry?
        for entry in entries.values where entry.expiresAt > now && entry.match.prefix.isPrefix(of: name)
            && (entry.action.path?.hops.first).map({ $0 == node }) ?? true {
            if let wanted = entry.match.flowClass, wanted != flowClass { continue }
            if let current = best {
                let longer = entry.match.prefix.count > current.match.prefix.count
                let tie = entry.match.prefix.count == current.match.prefix.count && entry.id < current.id
                if !(longer || tie) { continue }
            }
            best = entry
        }
        return best
    }

    static func describe(_ hops: [NodeID]) -> String { hops.map(\.rawValue).joined(separator: "-") }
}
