import DAMCWire

/// Route computation (docs/routing.md §5-7): aging the LSDB, SPF under the
/// RFC 8405 throttle, the RIB, and incremental FIB changes.
extension RoutingNode {
    /// Expires LSAs whose lifetime ran out (they stay, purged, for
    /// `purgeHold` so the purge is not undone by a late copy) and forgets
    /// purged LSAs whose hold is over. Expiry is local: every node ages at
    /// the same rate, so only originators flood purges.
    mutating func age(now: Instant) {
        var next: Instant?
        var changed = false
        for (key, entry) in lsdb.entries {
            let expires = entry.expiresAt
            if expires > now {
                next = next.map { min($0, expires) } ?? expires
                continue
            }
            let forgetAt = expires + config.purgeHold
            if key.type == .adjacency { cachedSPF = nil }
            if forgetAt <= now {
                lsdb.remove(key)
                for linkID in links.ids { withNeighbor(linkID) { _ = $0.retransmit.removeValue(forKey: key) } }
                changed = true
            } else {
                // Expired since the last pass: SPF must drop it.
                if expires > (lastAging ?? .zero) || lastAging == nil { changed = true }
                next = next.map { min($0, forgetAt) } ?? forgetAt
            }
        }
        lastAging = now
        agingDue = next
        if changed { noteChange(now: now) }
    }

    mutating func runSPF(now: Instant) {
        let spf: SPFResult
        if let cachedSPF {
            spf = cachedSPF
        } else {
            counters.spfRuns += 1
            spf = SPFResult.compute(from: id, on: SPFGraph(lsdb: lsdb, now: now))
            cachedSPF = spf
        }
        lastSPF = spf
        let newRIB = RIB(lsdb: lsdb, spf: spf, selfID: id, now: now, accept: acceptPrefix)
        counters.prefixesRefused = newRIB.refused
        let changes = FIB.diff(from: rib, to: newRIB)
        rib = newRIB
        ribGeneration += 1
        if !changes.isEmpty {
            fib.apply(contentsOf: changes)
            counters.fibChanges += changes.count
            actions.append(.fibChanged(changes))
        }
        if let since = changeSince {
            let elapsed = now - since
            counters.lastConvergence = elapsed
            counters.maxConvergence = max(counters.maxConvergence ?? elapsed, elapsed)
            changeSince = nil
        }
    }
}
