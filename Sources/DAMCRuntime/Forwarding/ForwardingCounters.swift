import DAMCRouting

/// What the forwarding plane has done (`damcctl show counters`, section
/// `forwarding`; docs/management.md). Kept under the plane's lock.
struct ForwardingCounters: Sendable {
    /// Counter name → value; names are stable (docs/forwarding.md §counters).
    var values: [String: Int] = [:]
    /// Active calls per next hop (a neighbour's node id, or `local`).
    var flows: [String: Int] = [:]

    /// Payload bytes sent to each neighbour, per link: the link's load as
    /// the forwarding plane sees it (telemetry up to the SCSC).
    var linkBytes: [LinkID: UInt64] = [:]

    mutating func add(_ name: String, _ amount: Int = 1) { values[name, default: 0] += amount }

    mutating func sent(_ bytes: UInt64, on link: LinkID) {
        if bytes > 0 { linkBytes[link, default: 0] += bytes }
    }

    mutating func flowStarted(_ hop: String) { flows[hop, default: 0] += 1 }

    mutating func flowEnded(_ hop: String) {
        let left = (flows[hop] ?? 1) - 1
        flows[hop] = left > 0 ? left : nil
    }
}
