import DAMCWire

/// The routing engine of one SG, SR or SCSC: adjacencies, reliable
/// flooding, the LSDB, SPF, the RIB and the name FIB (draft-li-icnrg-damc
/// §6, §7.1; docs/routing.md).
///
/// Sans-I/O: `handle(_:now:)` takes an event and the current time and
/// returns actions (datagrams to send, FIB changes). It never reads a clock
/// or touches a socket; `nextDeadline` says when to call it with `.tick`.
/// The same code runs under the daemon's epoll loop and the simulator's
/// virtual clock.
public struct RoutingNode: Sendable {
    public internal(set) var config: RoutingConfig
    public var id: NodeID { config.nodeID }

    public internal(set) var lsdb = LSDB()
    public internal(set) var rib = RIB()
    public internal(set) var fib = FIB()
    public internal(set) var counters = RoutingCounters()
    public internal(set) var spfThrottle: SPFThrottle

    var links = LinkTable()
    /// The service prefixes this node originates (gateways only).
    public internal(set) var prefixes: [PrefixEntry] = []
    /// Keys of the LSAs this node currently originates (not purged).
    var ownKeys: Set<LSAKey> = []
    /// Lowest sequence the next origination of a key may use (learned
    /// from our own old LSAs after a restart).
    var sequenceFloor: [LSAKey: UInt64] = [:]
    var originationDue: Instant?
    var lastOrigination: Instant?
    var agingDue: Instant?
    var lastAging: Instant?
    var refreshDue: Instant?
    /// The first change not yet reflected in the FIB (convergence counter).
    var changeSince: Instant?
    var isShutDown = false
    /// The last SPF result, reused while no adjacency LSA changed (a
    /// prefix-only change then costs a RIB rebuild, not an SPF).
    var cachedSPF: SPFResult?
    /// The result of the last SPF run: next hops to every reachable node
    /// (the forwarding plane routes calls pinned to a gateway with it).
    public internal(set) var lastSPF: SPFResult?
    /// Counts RIB rebuilds, so a consumer of the RIB (the forwarding plane)
    /// can tell cheaply whether anything it derived may have changed.
    public internal(set) var ribGeneration = 0
    /// When the first event arrived (the node's start).
    var startedAt: Instant?
    var actions: [RoutingAction] = []
    /// Accept a service prefix advertised by an origin (authorisation hook).
    var acceptPrefix: (@Sendable (PrefixEntry, NodeID) -> Bool)?
    /// The sequence number of the last signed packet sent.
    var authSequence: UInt64 = 0
    /// The highest trailer sequence accepted per link (replay protection).
    var authLastSequence: [LinkID: UInt64] = [:]

    public init(config: RoutingConfig) {
        self.config = config
        self.spfThrottle = SPFThrottle(configuration: config.spfThrottle)
        self.authSequence = config.authSequenceStart
    }

    /// Sets the rule that decides whether a prefix entry may enter the RIB
    /// (issue 6 checks the SPA grant here). Refusals are not installed.
    public mutating func setPrefixFilter(_ accept: @escaping @Sendable (PrefixEntry, NodeID) -> Bool) {
        acceptPrefix = accept
    }

    /// Accepts every prefix entry again (no SPA keys configured).
    public mutating func removePrefixFilter() {
        acceptPrefix = nil
    }

    /// Applies new timers on a reload (SIGHUP) without dropping state:
    /// hellos carry the new intervals from the next one on, originations
    /// use the new lifetime from the next one on, and the SPF back-off takes
    /// its new delays at once if it is quiet, else when it next is.
    /// Identity (node id, role) never changes on a running node.
    public mutating func updateTimers(_ update: (inout RoutingConfig) -> Void) {
        var updated = config
        update(&updated)
        updated.nodeID = config.nodeID
        updated.role = config.role
        config = updated
        adoptThrottleConfiguration()
    }

    /// Replaces the SPF back-off with one using the configured delays,
    /// when it is quiet and they differ.
    mutating func adoptThrottleConfiguration() {
        if spfThrottle.state == .quiet && spfThrottle.spfDue == nil && spfThrottle.configuration != config.spfThrottle {
            spfThrottle = SPFThrottle(configuration: config.spfThrottle)
        }
    }

    // MARK: Events

    /// Processes one event at `now` and returns what to do.
    public mutating func handle(_ event: RoutingEvent, now: Instant) -> [RoutingAction] {
        guard !isShutDown else { return [] }
        actions.removeAll(keepingCapacity: true)
        if startedAt == nil { startedAt = now }
        switch event {
        case let .linkUp(link, parameters):
            if links.contains(link) { linkDown(link, now: now) }
            links.insert(LinkState(id: link, parameters: parameters, nextHello: now, neighbor: nil))
        case let .linkChanged(link, parameters):
            if links.contains(link) {
                links[link].parameters = parameters
                if links[link].neighbor?.state == .up { requestOrigination(now: now) }
            }
        case let .linkDown(link):
            linkDown(link, now: now)
        case let .received(link, bytes):
            receive(bytes, on: link, now: now)
        case let .setPrefixes(entries):
            prefixes = entries.sorted { $0.prefix < $1.prefix }
            requestOrigination(now: now)
        case .prefixFilterChanged:
            // Same LSDB, new verdicts (a grant expired, a key was added):
            // rebuild the RIB from the cached SPF at once.
            runSPF(now: now)
        case .tick:
            break
        case .shutdown:
            shutdown(now: now)
            return actions
        }
        processTimers(now: now)
        return actions
    }

    /// When the engine next needs `.tick`, or nil if never.
    public var nextDeadline: Instant? {
        guard !isShutDown else { return nil }
        var deadline = [originationDue, agingDue, refreshDue, spfThrottle.deadline].compactMap { $0 }.min()
        for link in links.slots {
            deadline = min(deadline ?? link.nextHello, link.nextHello)
            if let neighbor = link.neighbor {
                deadline = min(deadline!, neighbor.deadline)
                if let due = neighbor.retransmitDue { deadline = min(deadline!, due) }
                if neighbor.state == .up, neighbor.expectingSummary, let due = neighbor.summaryDue {
                    deadline = min(deadline!, due)
                }
            }
        }
        return deadline
    }

    /// The neighbours of every link, for status tables.
    public var neighbors: [(link: LinkID, neighbor: Neighbor)] {
        links.slots.compactMap { state in state.neighbor.map { (state.id, $0) } }
    }

    /// The configured links and their parameters.
    public var linkParameters: [LinkID: LinkParameters] {
        Dictionary(uniqueKeysWithValues: links.slots.map { ($0.id, $0.parameters) })
    }

    // MARK: Timers

    mutating func processTimers(now: Instant) {
        // Dead neighbours first, so nothing is sent to them.
        for linkID in links.ids {
            if let neighbor = links[linkID].neighbor, neighbor.deadline <= now {
                neighborLost(on: linkID, now: now)
            }
        }
        if let due = originationDue, due <= now { originate(now: now) }
        if let due = refreshDue, due <= now { refresh(now: now) }
        if let due = agingDue, due <= now { age(now: now) }
        if spfThrottle.expire(now: now) { runSPF(now: now) }
        adoptThrottleConfiguration()
        for linkID in links.ids {
            if links[linkID].nextHello <= now {
                sendHello(on: linkID, goodbye: false)
                links[linkID].nextHello = now + config.helloInterval
            }
            if let neighbor = links[linkID].neighbor, neighbor.state == .up, neighbor.expectingSummary,
               let due = neighbor.summaryDue, due <= now {
                // Our summary (or the reply to it) was lost: start again.
                sendSummary(on: linkID, now: now, initial: true)
                let next = now + config.retransmitInterval
                withNeighbor(linkID) { $0.summaryDue = next }
            }
            if let due = links[linkID].neighbor?.retransmitDue, due <= now {
                flushRetransmissions(on: linkID, now: now)
            }
        }
    }

    mutating func noteChange(now: Instant) {
        if changeSince == nil { changeSince = now }
        spfThrottle.event(now: now)
    }

    mutating func send(_ message: some WireMessage, on link: LinkID) {
        actions.append(.send(link, encodeAuthenticated(message)))
    }

    mutating func shutdown(now: Instant) {
        for linkID in links.ids { sendHello(on: linkID, goodbye: true) }
        isShutDown = true
    }

    /// Mutates the neighbour of `link` in place (through the dictionary's
    /// values view, so its retransmission list is never copied).
    mutating func withNeighbor(_ link: LinkID, _ body: (inout Neighbor) -> Void) {
        guard links.contains(link), links[link].neighbor != nil else { return }
        body(&links[link].neighbor!)
    }

    mutating func linkDown(_ link: LinkID, now: Instant) {
        guard let state = links.remove(link) else { return }
        if let neighbor = state.neighbor, neighbor.state == .up {
            adjacencyDown(neighbor, link: link, now: now)
        }
    }
}
