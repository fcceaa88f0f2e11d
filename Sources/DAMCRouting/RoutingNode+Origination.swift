import DAMCWire

/// Originating this node's own LSAs (docs/routing.md §3): the adjacency
/// LSA (up neighbours, cost, capacity, node flags) and, for a gateway, the
/// service-prefix LSAs, split into fragments of `lsaTargetBytes`.
/// Origination is rate-limited (`minOriginationInterval`), skipped when
/// the content is unchanged, refreshed before the lifetime runs out, and an
/// unneeded fragment is purged (lifetime 0, next sequence).
extension RoutingNode {
    mutating func requestOrigination(now: Instant) {
        // The first origination waits `initialOriginationDelay`, so that the
        // adjacencies of a node that just started come up together and go
        // out in one LSA (IS-IS's initial LSP generation wait).
        let earliest = lastOrigination.map { max(now, $0 + config.minOriginationInterval) }
            ?? max(now, startedAt.map { $0 + config.initialOriginationDelay } ?? now)
        originationDue = originationDue.map { min($0, earliest) } ?? earliest
    }

    /// The content of every LSA this node should originate now.
    func desiredLSAs() -> [LSAKey: LSABody] {
        var result: [LSAKey: LSABody] = [:]
        let adjacencies: [Adjacency] = links.slots.compactMap { state in
            let linkID = state.id
            guard let neighbor = state.neighbor, neighbor.state == .up else { return nil }
            return Adjacency(neighbor: neighbor.id, cost: state.parameters.cost,
                             capacityKbps: state.parameters.capacityKbps, linkID: linkID)
        }
        // Adjacency fragments: always fragment 0, even with no adjacency, so
        // the node and its flags are known.
        let adjacencyChunks = pack(adjacencies, limit: Limits.maxAdjacencies) { $0.encode(into: &$1, as: .adjacency) }
        for (fragment, chunk) in (adjacencyChunks.isEmpty ? [[]] : adjacencyChunks).enumerated() {
            result[LSAKey(origin: id, type: .adjacency, fragment: UInt16(fragment))] =
                .adjacency(flags: config.nodeFlags, adjacencies: chunk)
        }
        if config.role == .gateway {
            let prefixChunks = pack(prefixes, limit: Limits.maxPrefixesPerLSA) { $0.encode(into: &$1, as: .prefixEntry) }
            for (fragment, chunk) in prefixChunks.enumerated() where fragment <= Int(Limits.maxFragment) {
                result[LSAKey(origin: id, type: .servicePrefix, fragment: UInt16(fragment))] = .servicePrefix(chunk)
            }
        }
        return result
    }

    /// Greedy packing of items into fragments of at most `lsaTargetBytes`.
    func pack<T>(_ items: [T], limit: Int, encode: (T, inout TLVWriter) -> Void) -> [[T]] {
        let overhead = 96  // LSA header elements, with room to spare
        var chunks: [[T]] = []
        var current: [T] = []
        var bytes = overhead
        for item in items {
            var writer = TLVWriter(capacity: 128)
            encode(item, &writer)
            let size = writer.bytes.count
            if !current.isEmpty && (bytes + size > config.lsaTargetBytes || current.count == limit) {
                chunks.append(current)
                current = []
                bytes = overhead
            }
            current.append(item)
            bytes += size
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    mutating func originate(now: Instant) {
        originationDue = nil
        lastOrigination = now
        let desired = desiredLSAs()
        for key in desired.keys.sorted() {
            let body = desired[key]!
            if let held = lsdb[key], held.lsa.origin == id, !held.isPurged(at: now), held.lsa.body == body,
               held.lsa.sequence >= (sequenceFloor[key] ?? 0) {
                ownKeys.insert(key)
                continue
            }
            originate(key: key, body: body, lifetime: config.lsaLifetime, now: now)
            ownKeys.insert(key)
        }
        for key in ownKeys.subtracting(desired.keys).sorted() {
            ownKeys.remove(key)
            guard let held = lsdb[key], !held.isPurged(at: now) else { continue }
            let empty: LSABody = key.type == .adjacency ? .adjacency(flags: config.nodeFlags, adjacencies: [])
                                                        : .servicePrefix([])
            originate(key: key, body: empty, lifetime: 0, now: now)
        }
        updateRefreshDue()
    }

    mutating func originate(key: LSAKey, body: LSABody, lifetime: UInt16, now: Instant) {
        let sequence = max(lsdb[key]?.lsa.sequence ?? 0, sequenceFloor[key] ?? 0) + 1
        let lsa = LSA(origin: id, fragment: key.fragment, sequence: sequence, lifetime: lifetime, body: body)
        counters.lsasOriginated += 1
        install(lsa, checksum: lsa.checksum, now: now, from: nil)
    }

    /// Re-originates own LSAs whose refresh time has come (new sequence,
    /// same content) so they never age out while the node lives.
    mutating func refresh(now: Instant) {
        for key in ownKeys.sorted() {
            guard let held = lsdb[key], held.installedAt + config.refreshInterval <= now else { continue }
            originate(key: key, body: held.lsa.body, lifetime: config.lsaLifetime, now: now)
        }
        updateRefreshDue()
    }

    mutating func updateRefreshDue() {
        refreshDue = ownKeys.compactMap { lsdb[$0].map { $0.installedAt + config.refreshInterval } }.min()
    }
}
