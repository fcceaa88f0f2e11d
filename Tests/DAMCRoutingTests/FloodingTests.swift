import DAMCRouting
import DAMCWire
import Testing

@Suite("Flooding and LSAs")
struct FloodingTests {
    static func lsa(_ origin: String, seq: UInt64, life: UInt16 = 3600, prefixes: [String] = ["/x"]) -> LSA {
        LSA(origin: try! NodeID(origin), sequence: seq, lifetime: life,
            body: .servicePrefix(prefixes.map { PrefixEntry(prefix: .make($0)) }))
    }

    @Test("instance order: sequence, then checksum, then purged")
    func comparison() {
        let base = LSAHeader(key: LSAKey(origin: try! NodeID("n"), type: .adjacency), sequence: 5, lifetime: 100, checksum: 7)
        var other = base
        #expect(LSAOrder.compare(base, to: other) == .same)
        other.lifetime = 3
        #expect(LSAOrder.compare(base, to: other) == .same)   // age alone does not matter
        other.sequence = 6
        #expect(LSAOrder.compare(base, to: other) == .older)
        other = base; other.checksum = 9
        #expect(LSAOrder.compare(base, to: other) == .older)
        other = base; other.lifetime = 0
        #expect(LSAOrder.compare(base, to: other) == .older)
        #expect(LSAOrder.compare(other, to: base) == .newer)
        // 64-bit sequences: near the top is still simply larger (no wrap rule).
        var high = base; high.sequence = UInt64.max
        var below = base; below.sequence = UInt64.max - 1
        #expect(LSAOrder.compare(high, to: below) == .newer)
    }

    @Test("newer is installed, flooded on and acked; duplicates and older are not installed")
    func receiveRules() {
        var pair = Pair()
        pair.connect()
        pair.advance(.seconds(1))
        let installedBefore = pair.a.counters.lsasInstalled
        let install = LinkStateUpdate(sender: try! NodeID("b"), lsas: [Self.lsa("z", seq: 5)])
        pair.toA(.received(1, install.encode()))
        let key = LSAKey(origin: try! NodeID("z"), type: .servicePrefix)
        #expect(pair.a.lsdb[key]?.lsa.sequence == 5)
        #expect(pair.a.counters.lsasInstalled == installedBefore + 1)
        // The ack goes back; nothing is flooded back to the sender.
        let sent = pair.inFlight.filter { $0.toA == false }.map { $0.bytes.first }
        #expect(sent == [UInt8(MessageType.linkStateAck.rawValue)])
        pair.inFlight.removeAll()
        pair.toA(.received(1, install.encode()))
        #expect(pair.a.counters.lsasDuplicate == 1)
        let older = LinkStateUpdate(sender: try! NodeID("b"), lsas: [Self.lsa("z", seq: 4)])
        pair.toA(.received(1, older.encode()))
        #expect(pair.a.counters.lsasOlder == 1)
        #expect(pair.a.lsdb[key]?.lsa.sequence == 5)
        // a answers the older copy with its own newer one.
        let answer = pair.inFlight.last { !$0.toA }!
        guard case let .linkStateUpdate(update)? = try? DAMCMessage.decode(answer.bytes) else {
            Issue.record("expected an update back")
            return
        }
        #expect(update.lsas.map(\.sequence) == [5])
    }

    @Test("an impossible lifetime is dropped and counted, and neither installed nor acked")
    func impossibleAge() {
        var pair = Pair()
        pair.connect()
        pair.advance(.seconds(1))
        pair.inFlight.removeAll()
        let bad = LinkStateUpdate(sender: try! NodeID("b"), lsas: [Self.lsa("z", seq: 1, life: 9000)])
        pair.toA(.received(1, bad.encode()))
        #expect(pair.a.counters.lsasRejected == 1)
        #expect(pair.a.lsdb[LSAKey(origin: try! NodeID("z"), type: .servicePrefix)] == nil)
        #expect(pair.inFlight.isEmpty)
    }

    @Test("retransmission until acknowledged, then silence")
    func retransmission() {
        var pair = Pair(aRole: .gateway) { $0.retransmitInterval = .milliseconds(200) }
        pair.connect()
        pair.advance(.seconds(1))
        // b loses every ack from a... a's LSAs to b are retransmitted.
        pair.toA(.setPrefixes([PrefixEntry(prefix: .make("/svc"))]))
        let ackType = UInt8(MessageType.linkStateAck.rawValue)
        pair.advance(.seconds(1), drop: { $0.first == ackType })
        #expect(pair.a.counters.lsasRetransmitted >= 3)
        #expect(pair.b.fib.lookup(.make("/svc/x")) != nil)
        // Once acks flow, retransmissions stop.
        pair.advance(.milliseconds(500))
        let settled = pair.a.counters.lsasRetransmitted
        pair.advance(.seconds(2))
        #expect(pair.a.counters.lsasRetransmitted == settled)
    }

    @Test("restart: a node continues its own sequence numbers from what the network holds")
    func restartSequence() {
        var pair = Pair(aRole: .gateway)
        pair.connect()
        pair.toA(.setPrefixes([PrefixEntry(prefix: .make("/svc"))]))
        for _ in 0..<5 {
            pair.toA(.linkChanged(1, LinkParameters(cost: UInt32.random(in: 1...100), capacityKbps: 1)))
            pair.advance(.milliseconds(300))
        }
        let key = LSAKey(origin: try! NodeID("a"), type: .adjacency)
        let before = pair.b.lsdb[key]!.lsa.sequence
        #expect(before > 2)
        // a restarts with empty state and starts again from sequence 1.
        pair.a = RoutingNode(config: pair.a.config)
        pair.toA(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)))
        pair.toA(.setPrefixes([PrefixEntry(prefix: .make("/svc"))]))
        pair.advance(.seconds(3))
        #expect(pair.a.lsdb[key]!.lsa.sequence > before)
        #expect(pair.b.lsdb[key]!.lsa.sequence == pair.a.lsdb[key]!.lsa.sequence)
        #expect(pair.b.fib.lookup(.make("/svc")) != nil)
    }

    @Test("max age: an LSA that is not refreshed expires, is held purged, then forgotten")
    func maxAge() {
        var pair = Pair { $0.purgeHold = .seconds(5) }
        pair.connect()
        pair.advance(.seconds(1))
        let shortLived = LinkStateUpdate(sender: try! NodeID("b"), lsas: [
            LSA(origin: try! NodeID("b"), fragment: 9, sequence: 1, lifetime: 3,
                body: .servicePrefix([PrefixEntry(prefix: .make("/brief"))]))])
        pair.toA(.received(1, shortLived.encode()))
        pair.advance(.seconds(1))
        let key = LSAKey(origin: try! NodeID("b"), type: .servicePrefix, fragment: 9)
        #expect(pair.a.lsdb[key] != nil)
        #expect(pair.a.fib.lookup(.make("/brief")) != nil)
        pair.advance(.seconds(3))
        #expect(pair.a.lsdb[key]?.isPurged(at: pair.now) == true)
        #expect(pair.a.fib.lookup(.make("/brief")) == nil)
        pair.advance(.seconds(6))
        #expect(pair.a.lsdb[key] == nil)
    }

    @Test("refresh: own LSAs are re-originated before they expire")
    func refresh() {
        var pair = Pair(aRole: .gateway) { $0.refreshInterval = .seconds(10); $0.lsaLifetime = 20 }
        pair.connect()
        pair.toA(.setPrefixes([PrefixEntry(prefix: .make("/svc"))]))
        pair.advance(.seconds(1), step: .milliseconds(100))
        let key = LSAKey(origin: try! NodeID("a"), type: .servicePrefix)
        let first = pair.b.lsdb[key]!.lsa.sequence
        pair.advance(.seconds(45), step: .milliseconds(500))
        #expect(pair.b.lsdb[key]!.lsa.sequence >= first + 4)
        #expect(pair.b.lsdb[key]!.isPurged(at: pair.now) == false)
        #expect(pair.b.fib.lookup(.make("/svc")) != nil)
    }

    @Test("fragments: 10,000 prefixes split over LSAs that each fit a datagram, and all arrive")
    func fragments() {
        var pair = Pair(aRole: .gateway)
        pair.connect()
        let prefixes = (0..<10_000).map { PrefixEntry(prefix: .make("/shop/item\($0)"), metric: 1) }
        pair.toA(.setPrefixes(prefixes))
        pair.advance(.seconds(3), step: .milliseconds(100))
        let fragments = pair.a.lsdb.entries.filter { $0.key.type == .servicePrefix && $0.key.origin == pair.a.id }
        #expect(fragments.count > 10)
        for (_, entry) in fragments { #expect(entry.lsa.encode().count <= 1400) }
        #expect(pair.b.rib.routes.count == 10_000)
        #expect(pair.b.fib.lookup(.make("/shop/item9999/cart"))?.prefix == .make("/shop/item9999"))
        // Withdrawing most of them purges the fragments no longer needed.
        pair.toA(.setPrefixes(Array(prefixes.prefix(10))))
        pair.advance(.seconds(2), step: .milliseconds(100))
        #expect(pair.b.rib.routes.count == 10)
        let live = pair.b.lsdb.entries.filter { $0.key.type == .servicePrefix && !$0.value.isPurged(at: pair.now) }
        #expect(live.count == 1)
    }
}

@Suite("Resynchronisation")
struct ResynchronisationTests {
    @Test("a neighbour that restarts without the adjacency going down on our side gets our whole database")
    func silentRestart() {
        var pair = Pair()
        pair.connect()
        pair.advance(.seconds(1))
        // b learns a third party's prefix from elsewhere.
        let elsewhere = LSA(origin: try! NodeID("z"), sequence: 3, lifetime: 3600,
                            body: .servicePrefix([PrefixEntry(prefix: .make("/far"))]))
        _ = pair.b.handle(.linkUp(2, LinkParameters(cost: 1, capacityKbps: 1)), now: pair.now)
        _ = pair.b.handle(.received(2, Hello(sender: try! NodeID("z"), role: .gateway, helloIntervalMs: 1000,
                                             deadIntervalMs: 4000, neighbors: [try! NodeID("b")]).encode()), now: pair.now)
        _ = pair.b.handle(.received(2, LinkStateUpdate(sender: try! NodeID("z"), lsas: [elsewhere]).encode()), now: pair.now)
        #expect(pair.b.lsdb[elsewhere.key] != nil)
        pair.inFlight.removeAll()
        // a restarts; the first thing it hears is b's hello, which still lists a.
        pair.a = RoutingNode(config: pair.a.config)
        let aLinkUp = pair.a.handle(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)), now: pair.now)
        _ = aLinkUp  // a's first hello (listing nobody) is lost
        let fromB = Hello(sender: try! NodeID("b"), role: .router, helloIntervalMs: 1000, deadIntervalMs: 4000,
                          neighbors: [try! NodeID("a")])
        pair.toA(.received(1, fromB.encode()))
        #expect(pair.a.neighbors.first?.neighbor.state == .up)
        pair.advance(.seconds(3))
        #expect(pair.a.lsdb[elsewhere.key] != nil)
        #expect(pair.b.counters.resynchronisations >= 1)
    }

    @Test("lost summaries are sent again until the other side's arrives")
    func lostSummary() {
        var pair = Pair { $0.retransmitInterval = .milliseconds(200) }
        let summaryType = UInt8(MessageType.databaseSummary.rawValue)
        var dropped = 0
        pair.toA(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)))
        pair.toB(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)))
        pair.deliverAll { bytes in
            if bytes.first == summaryType && dropped < 2 { dropped += 1; return true }
            return false
        }
        pair.advance(.seconds(2))
        #expect(dropped == 2)
        #expect(pair.a.counters.summariesSent >= 2)
        #expect(pair.a.neighbors.first?.neighbor.state == .up)
        let key = LSAKey(origin: try! NodeID("a"), type: .adjacency)
        #expect(pair.b.lsdb[key] != nil)
    }
}
