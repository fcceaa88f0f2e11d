import DAMCRouting

/// A counter of the forwarding plane with a fixed place (docs/forwarding.md
/// §counters): counting one is an array increment under the plane's lock,
/// not a string hash, since every call counts several. Its stable name,
/// as `damcctl show counters` prints it, is the case name in snake case
/// (`ingressRequests` is `ingress_requests`).
enum ForwardingCounter: Int, CaseIterable, Sendable {
    case acceptFailures
    case egressErrors
    case egressRequestBytes
    case egressResponseBytes
    case egressResponses
    case hopCalls
    case hopConnects
    case hopHeaderClosed
    case hopHeaderTimeouts
    case hopMalformedHeaders
    case idleTimeouts
    case ingressBadRequests
    case ingressCallsOnWorkers
    case ingressClientAborts
    case ingressConnections
    case ingressErrors
    case ingressHeaderTimeouts
    case ingressRequestBytes
    case ingressRequests
    case ingressResponseAborts
    case ingressResponseBytes
    case ingressResponses
    case instanceConnectFailures
    case instanceConnects
    case instanceReuses
    case muxAnswers
    case muxCalls
    case muxDedicated
    case muxLinkFailures
    case muxLinksAccepted
    case muxLinksOpened
    case muxMalformed
    case muxParkExpired
    case muxParked
    case muxResumed
    case policyForwarded
    case probeFailures
    case probes
    case redirectedElsewhere
    case refusedOverloaded
    case relayErrors
    case relayed
    case traces

    /// The stable names, by raw value.
    static let names: [String] = allCases.map { counter in
        var name = ""
        for character in String(describing: counter) {
            if character.isUppercase {
                name.append("_")
                name.append(contentsOf: character.lowercased())
            } else {
                name.append(character)
            }
        }
        return name
    }

    var name: String { Self.names[rawValue] }
}

/// What the forwarding plane has done (`damcctl show counters`, section
/// `forwarding`; docs/management.md). Kept under the plane's lock.
struct ForwardingCounters: Sendable {
    /// The fixed counters, by `ForwardingCounter.rawValue`.
    private var fixed = [Int](repeating: 0, count: ForwardingCounter.allCases.count)
    /// Counters named at run time (refusals by reason code).
    private var named: [String: Int] = [:]
    /// Active calls per next hop (a neighbour's node id, or `local`).
    var flows: [String: Int] = [:]

    /// Payload bytes sent to each neighbour, per link: the link's load as
    /// the forwarding plane sees it (telemetry up to the SCSC).
    var linkBytes: [LinkID: UInt64] = [:]

    /// Counter name → value, for those that have counted anything; names
    /// are stable (docs/forwarding.md §counters).
    var values: [String: Int] {
        var result = named
        for counter in ForwardingCounter.allCases where fixed[counter.rawValue] != 0 {
            result[counter.name] = fixed[counter.rawValue]
        }
        return result
    }

    mutating func add(_ counter: ForwardingCounter, _ amount: Int = 1) { fixed[counter.rawValue] += amount }

    /// A counter whose name is made at run time.
    mutating func add(_ name: String, _ amount: Int = 1) { named[name, default: 0] += amount }

    mutating func sent(_ bytes: UInt64, on link: LinkID) {
        if bytes > 0 { linkBytes[link, default: 0] += bytes }
    }

    mutating func flowStarted(_ hop: String) { flows[hop, default: 0] += 1 }

    /// One fewer call to `hop`. In an event loop's tally the count may go
    /// below zero (the call started in an earlier tally, or on a worker);
    /// a hop whose count is back to zero is dropped.
    mutating func flowEnded(_ hop: String) {
        let left = flows[hop, default: 0] - 1
        flows[hop] = left != 0 ? left : nil
    }

    /// Adds an event loop's tally (counts since its last hand-over) to
    /// these, the plane's (docs/forwarding.md §threads: a loop takes the
    /// plane's lock once per wake-up, not once per count).
    mutating func absorb(_ tally: ForwardingCounters) {
        for index in fixed.indices where tally.fixed[index] != 0 { fixed[index] += tally.fixed[index] }
        for (name, amount) in tally.named { named[name, default: 0] += amount }
        for (hop, change) in tally.flows {
            let now = flows[hop, default: 0] + change
            flows[hop] = now != 0 ? now : nil
        }
        for (link, bytes) in tally.linkBytes { linkBytes[link, default: 0] += bytes }
    }

    /// Back to nothing counted, keeping the storage (an event loop's tally
    /// after it was absorbed).
    mutating func clear() {
        for index in fixed.indices { fixed[index] = 0 }
        named.removeAll(keepingCapacity: true)
        flows.removeAll(keepingCapacity: true)
        linkBytes.removeAll(keepingCapacity: true)
    }
}
