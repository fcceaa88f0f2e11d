import DAMCWire

/// Reliable flooding (docs/routing.md §3-4, after RFC 2328 §13 and ISO
/// 10589 §7.3.15): install newer instances and pass them to every other
/// neighbour, acknowledge, answer older instances with ours, retransmit
/// until acknowledged, and synchronise whole databases when an adjacency
/// comes up.
extension RoutingNode {
    mutating func receive(_ bytes: [UInt8], on link: LinkID, now: Instant) {
        guard links.contains(link) else {
            counters.packetsRefused += 1
            return
        }
        let message: DAMCMessage
        do {
            message = try DAMCMessage.decode(bytes)
        } catch {
            counters.decodeErrors[Self.errorName(error), default: 0] += 1
            return
        }
        guard authenticate(message, bytes: bytes, on: link) else { return }
        if case let .hello(hello) = message {
            receiveHello(hello, on: link, now: now)
            return
        }
        // Everything else only from the up neighbour on this link.
        let sender: NodeID
        switch message {
        case let .linkStateUpdate(update): sender = update.sender
        case let .linkStateAck(ack): sender = ack.sender
        case let .databaseSummary(summary): sender = summary.sender
        case let .linkStateRequest(request): sender = request.sender
        default:
            counters.packetsRefused += 1
            return
        }
        guard let neighbor = links[link].neighbor, neighbor.id == sender, neighbor.state == .up else {
            counters.packetsRefused += 1
            return
        }
        switch message {
        case let .linkStateUpdate(update): receiveUpdate(update, on: link, now: now)
        case let .linkStateAck(ack): receiveAck(ack, on: link)
        case let .databaseSummary(summary): receiveSummary(summary, on: link, now: now)
        case let .linkStateRequest(request): receiveRequest(request, on: link, now: now)
        default: break
        }
    }

    /// The `WireError` case name, for counters.
    static func errorName(_ error: WireError) -> String {
        let text = String(describing: error)
        return String(text.prefix { $0 != "(" })
    }

    mutating func receiveUpdate(_ update: LinkStateUpdate, on link: LinkID, now: Instant) {
        var acks: [LSAHeader] = []
        for lsa in update.lsas {
            counters.lsasReceived += 1
            guard lsa.lifetime <= config.maxAcceptedLifetime else {
                counters.lsasRejected += 1
                continue
            }
            let checksum = lsa.checksum
            let header = LSAHeader(key: lsa.key, sequence: lsa.sequence, lifetime: lsa.lifetime, checksum: checksum)
            switch lsdb.compare(header, now: now) {
            case .newer:
                if lsdb[lsa.key] == nil && lsa.lifetime == 0 {
                    // A purge of something we never had: acknowledge, keep nothing.
                    acks.append(header)
                    continue
                }
                install(lsa, checksum: checksum, now: now, from: link)
                acks.append(header)
                if lsa.origin == id { ownLSAReceived(header, now: now) }
            case .same:
                counters.lsasDuplicate += 1
                withNeighbor(link) { $0.acknowledge(header) }
                acks.append(header)
            case .older:
                counters.lsasOlder += 1
                let held = lsdb[lsa.key]!
                withNeighbor(link) { $0.schedule(lsa.key, sequence: held.lsa.sequence, checksum: held.checksum, due: now) }
            }
        }
        if !acks.isEmpty { sendAcks(acks, on: link) }
    }

    /// Installs a newer instance, floods it to every up neighbour except the
    /// one it came from, and schedules SPF.
    mutating func install(_ lsa: LSA, checksum: UInt32, now: Instant, from link: LinkID?) {
        lsdb.install(lsa, checksum: checksum, now: now)
        if lsa.type == .adjacency { cachedSPF = nil }
        if link != nil { counters.lsasInstalled += 1 }
        for linkID in links.ids {
            guard links[linkID].neighbor?.state == .up else { continue }
            if linkID == link {
                withNeighbor(linkID) { _ = $0.retransmit.removeValue(forKey: lsa.key) }
            } else {
                withNeighbor(linkID) { $0.schedule(lsa.key, sequence: lsa.sequence, checksum: checksum, due: now) }
            }
        }
        let expiry = lsa.lifetime == 0 ? now + config.purgeHold : now + .seconds(Int64(lsa.lifetime))
        agingDue = agingDue.map { min($0, expiry) } ?? expiry
        noteChange(now: now)
    }

    /// One of our own LSAs came back newer than we know (we restarted, or
    /// someone purged it): continue its sequence numbers and re-originate.
    mutating func ownLSAReceived(_ header: LSAHeader, now: Instant) {
        sequenceFloor[header.key] = max(sequenceFloor[header.key] ?? 0, header.sequence)
        if !ownKeys.contains(header.key) && header.lifetime > 0 { ownKeys.insert(header.key) }
        originationDue = now
    }

    mutating func sendAcks(_ headers: [LSAHeader], on link: LinkID) {
        for chunk in chunked(headers, limit: Limits.maxHeadersPerPacket, size: 40) {
            send(LinkStateAck(sender: id, headers: chunk), on: link)
            counters.acksSent += 1
        }
    }

    mutating func receiveAck(_ ack: LinkStateAck, on link: LinkID) {
        counters.acksReceived += 1
        for header in ack.headers { withNeighbor(link) { $0.acknowledge(header) } }
    }

    /// Sends every header of the LSDB, split over datagrams (`more` on all
    /// but the last); `initial` on the first asks for the whole database.
    mutating func sendSummary(on link: LinkID, now: Instant, initial: Bool) {
        let headers = lsdb.headers(at: now)
        let chunks = headers.isEmpty ? [[]] : chunked(headers, limit: Limits.maxHeadersPerPacket, size: 40)
        for (index, chunk) in chunks.enumerated() {
            var flags: SummaryFlags = index < chunks.count - 1 ? .more : []
            if initial && index == 0 { flags.insert(.initial) }
            send(DatabaseSummary(sender: id, flags: flags, headers: chunk), on: link)
            counters.summariesSent += 1
        }
    }

    /// The neighbour's summary: stop queuing what it already has, send at
    /// once what it has older, request what it has newer.
    mutating func receiveSummary(_ summary: DatabaseSummary, on link: LinkID, now: Instant) {
        if summary.flags.contains(.initial), links[link].neighbor?.expectingSummary == false {
            // The neighbour (re)started its side of the adjacency while ours
            // stayed up (it restarted and its first hello already listed us),
            // or our reply to its summary was lost: it needs our whole
            // database. Answer with a summary that is not `initial`.
            counters.resynchronisations += 1
            startSynchronisation(on: link, now: now, initial: false)
        }
        if !summary.flags.contains(.more) {
            withNeighbor(link) { neighbor in
                neighbor.expectingSummary = false
                neighbor.summaryDue = nil
            }
        }
        var wanted: [LSAKey] = []
        for header in summary.headers {
            switch lsdb.compare(header, now: now) {
            case .same:
                withNeighbor(link) { _ = $0.retransmit.removeValue(forKey: header.key) }
            case .newer:
                if !(lsdb[header.key] == nil && header.lifetime == 0) { wanted.append(header.key) }
            case .older:
                let held = lsdb[header.key]!
                withNeighbor(link) { $0.schedule(header.key, sequence: held.lsa.sequence, checksum: held.checksum, due: now) }
            }
        }
        for chunk in chunked(wanted, limit: Limits.maxHeadersPerPacket, size: 30) {
            send(LinkStateRequest(sender: id, keys: chunk), on: link)
            counters.requestsSent += 1
        }
    }

    mutating func receiveRequest(_ request: LinkStateRequest, on link: LinkID, now: Instant) {
        for key in request.keys {
            guard let held = lsdb[key] else { continue }
            withNeighbor(link) { $0.schedule(key, sequence: held.lsa.sequence, checksum: held.checksum, due: now) }
        }
    }

    /// Sends every LSA whose (re)transmission is due on `link`, packed into
    /// as few updates as fit in a datagram.
    mutating func flushRetransmissions(on link: LinkID, now: Instant) {
        // Take the neighbour out of the table so its lists are uniquely
        // referenced and mutate in place.
        guard links.contains(link), var neighbor = links[link].neighbor else { return }
        links[link].neighbor = nil
        defer { links[link].neighbor = neighbor }
        var due: [LSAKey] = []
        var next: Instant?
        for (key, entry) in neighbor.retransmit {
            if entry.due <= now { due.append(key) } else { next = next.map { min($0, entry.due) } ?? entry.due }
        }
        due.sort()  // deterministic packing whatever the dictionary order
        var writer = TLVWriter(capacity: config.maxDatagramBytes + 256)
        var batch = 0
        func flush(_ writer: inout TLVWriter, _ batch: inout Int) {
            guard batch > 0 else { return }
            let trailer = nextTrailer()
            var message = TLVWriter(capacity: writer.bytes.count + 80)
            message.nested(rawType: MessageType.linkStateUpdate.rawValue) { message in
                message.bytes.append(DAMCMessage.version)
                message.write(.nodeID, identifier: id)
                message.bytes.append(contentsOf: writer.bytes)
                if let trailer { trailer.encode(into: &message) }
            }
            actions.append(.send(link, sealed(message.bytes, trailer)))
            counters.updatesSent += 1
            writer.bytes.removeAll(keepingCapacity: true)
            batch = 0
        }
        for key in due {
            guard let held = lsdb[key] else {
                neighbor.retransmit.removeValue(forKey: key)
                continue
            }
            let before = writer.bytes.count
            held.aged(at: now).encode(into: &writer)
            if batch > 0 && (writer.bytes.count > config.maxDatagramBytes || batch == Limits.maxLSAsPerUpdate) {
                let encoded = Array(writer.bytes[before...])
                writer.bytes.removeSubrange(before...)
                flush(&writer, &batch)
                writer.bytes.append(contentsOf: encoded)
            }
            batch += 1
            var entry = neighbor.retransmit[key]!
            if entry.sentBefore { counters.lsasRetransmitted += 1 } else { counters.lsasFlooded += 1 }
            entry.sentBefore = true
            entry.sequence = held.lsa.sequence
            entry.checksum = held.checksum
            entry.due = now + config.retransmitInterval
            next = next.map { min($0, entry.due) } ?? entry.due
            neighbor.retransmit[key] = entry
        }
        flush(&writer, &batch)
        neighbor.retransmitDue = next
    }

    /// Splits a list so each part fits a datagram at about `size` bytes per item.
    func chunked<T>(_ items: [T], limit: Int, size: Int) -> [[T]] {
        let perDatagram = max(1, min(limit, (config.maxDatagramBytes - 64) / size))
        return stride(from: 0, to: items.count, by: perDatagram).map {
            Array(items[$0..<min($0 + perDatagram, items.count)])
        }
    }
}
