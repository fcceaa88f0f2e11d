import DAMCWire

/// Adjacencies (docs/routing.md §2): periodic hellos, the two-way check,
/// the dead interval, and the goodbye that makes a planned shutdown
/// converge at once.
extension RoutingNode {
    mutating func sendHello(on link: LinkID, goodbye: Bool) {
        guard links.contains(link) else { return }
        let state = links[link]
        let heard = state.neighbor.map { [$0.id] } ?? []
        let hello = Hello(sender: id, role: config.role,
                          helloIntervalMs: UInt32(clamping: config.helloInterval.nanoseconds / 1_000_000),
                          deadIntervalMs: UInt32(clamping: config.deadInterval.nanoseconds / 1_000_000),
                          flags: goodbye ? .goodbye : [], neighbors: heard)
        send(hello, on: link)
        counters.hellosSent += 1
    }

    mutating func receiveHello(_ hello: Hello, on link: LinkID, now: Instant) {
        counters.hellosReceived += 1
        guard hello.sender != id else {
            counters.packetsRefused += 1
            return
        }
        if let existing = links[link].neighbor, existing.id != hello.sender {
            // Someone else is on this link now.
            neighborLost(on: link, now: now)
        }
        if hello.flags.contains(.goodbye) {
            if links[link].neighbor != nil { neighborLost(on: link, now: now) }
            return
        }
        let dead = Duration.milliseconds(Int64(hello.deadIntervalMs))
        if links[link].neighbor == nil {
            links[link].neighbor = Neighbor(id: hello.sender, role: hello.role, state: .heard,
                                             lastHeard: now, deadInterval: dead)
            // Answer at once so the neighbour sees itself listed.
            links[link].nextHello = now
        }
        links[link].neighbor!.lastHeard = now
        links[link].neighbor!.deadInterval = dead
        links[link].neighbor!.role = hello.role
        let twoWay = hello.neighbors.contains(id)
        switch (links[link].neighbor!.state, twoWay) {
        case (.heard, true): adjacencyUp(on: link, now: now)
        case (.up, false):
            let neighbor = links[link].neighbor!
            links[link].neighbor!.state = .heard
            withNeighbor(link) { neighbor in
                neighbor.retransmit = [:]
                neighbor.expectingSummary = false
                neighbor.summaryDue = nil
            }
            links[link].neighbor!.retransmitDue = nil
            adjacencyDown(neighbor, link: link, now: now)
        default: break
        }
    }

    /// Two-way reached: advertise the adjacency and synchronise databases.
    /// The summary goes first; the whole database is queued behind a short
    /// hold so that the neighbour's summary can prune it (docs/routing.md §4).
    mutating func adjacencyUp(on link: LinkID, now: Instant) {
        links[link].neighbor!.state = .up
        let neighbor = links[link].neighbor!
        counters.adjacenciesUp += 1
        actions.append(.adjacencyChanged(link: link, neighbor: neighbor.id, up: true))
        startSynchronisation(on: link, now: now, initial: true)
        requestOrigination(now: now)
        noteChange(now: now)
    }

    /// Sends our summary and queues the whole database behind the summary
    /// hold (docs/routing.md §4). An `initial` synchronisation (our side just
    /// came up) expects the neighbour's summary and re-sends ours until it
    /// arrives; a reply to the neighbour's initial summary expects nothing.
    mutating func startSynchronisation(on link: LinkID, now: Instant, initial: Bool) {
        sendSummary(on: link, now: now, initial: initial)
        let due = now + config.summaryHold
        let retransmitInterval = config.retransmitInterval
        withNeighbor(link) { neighbor in
            if initial {
                neighbor.expectingSummary = true
                neighbor.summaryDue = now + retransmitInterval
            }
        }
        for (key, entry) in lsdb.entries {
            withNeighbor(link) { $0.schedule(key, sequence: entry.lsa.sequence, checksum: entry.checksum, due: due) }
        }
    }

    mutating func adjacencyDown(_ neighbor: Neighbor, link: LinkID, now: Instant) {
        counters.adjacenciesDown += 1
        actions.append(.adjacencyChanged(link: link, neighbor: neighbor.id, up: false))
        requestOrigination(now: now)
        noteChange(now: now)
    }

    /// The neighbour is gone (dead interval, goodbye, or replaced).
    mutating func neighborLost(on link: LinkID, now: Instant) {
        guard links.contains(link), let neighbor = links[link].neighbor else { return }
        links[link].neighbor = nil
        if neighbor.state == .up { adjacencyDown(neighbor, link: link, now: now) }
    }
}
