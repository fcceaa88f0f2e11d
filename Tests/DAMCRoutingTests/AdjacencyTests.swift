import DAMCRouting
import DAMCWire
import Testing

@Suite("Adjacency (hello state machine)")
struct AdjacencyTests {
    @Test("two-way check: up only when each hears itself listed")
    func twoWay() {
        var pair = Pair()
        pair.toA(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)))
        pair.toB(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1)))
        // One-way: b hears a, but a's hello does not list b yet.
        let first = pair.inFlight.first { !$0.toA }!
        pair.inFlight.removeAll()
        pair.toB(.received(1, first.bytes))
        #expect(pair.b.neighbors.first?.neighbor.state == .heard)
        #expect(pair.b.neighbors.first?.neighbor.id == (try! NodeID("a")))
        // b answers at once listing a; a goes up, answers, b goes up.
        pair.deliverAll()
        #expect(pair.a.neighbors.first?.neighbor.state == .up)
        #expect(pair.b.neighbors.first?.neighbor.state == .up)
        #expect(pair.a.counters.adjacenciesUp == 1)
    }

    @Test("dead interval: silence takes the neighbour down")
    func deadInterval() {
        var pair = Pair { $0.helloInterval = .milliseconds(100); $0.deadInterval = .milliseconds(300) }
        pair.connect()
        #expect(pair.a.neighbors.first?.neighbor.state == .up)
        // Drop everything b sends: a must declare b dead after 300 ms, not before.
        pair.advance(.milliseconds(250), drop: { _ in true })
        #expect(pair.a.neighbors.count == 1)
        pair.advance(.milliseconds(200), drop: { _ in true })
        #expect(pair.a.neighbors.isEmpty)
        #expect(pair.a.counters.adjacenciesDown == 1)
    }

    @Test("goodbye: a planned shutdown drops the adjacency at once")
    func goodbye() {
        var pair = Pair()
        pair.connect()
        pair.toB(.shutdown)
        pair.deliverAll()
        #expect(pair.a.neighbors.isEmpty)
        #expect(pair.b.nextDeadline == nil)
        #expect(pair.b.handle(.tick, now: pair.now).isEmpty)
    }

    @Test("one-way again: a hello that stops listing us takes the adjacency down")
    func backToOneWay() {
        var pair = Pair()
        pair.connect()
        let lonely = Hello(sender: try! NodeID("b"), role: .router, helloIntervalMs: 1000, deadIntervalMs: 4000)
        pair.toA(.received(1, lonely.encode()))
        #expect(pair.a.neighbors.first?.neighbor.state == .heard)
        #expect(pair.a.counters.adjacenciesDown == 1)
    }

    @Test("bad input is counted and changes nothing")
    func badInput() throws {
        var pair = Pair()
        pair.connect()
        let lsdbBefore = pair.a.lsdb.count
        pair.toA(.received(1, [0xD1, 0x03, 0x01, 0xFF, 0x00]))          // malformed hello
        pair.toA(.received(1, [0x00]))                                  // truncated
        pair.toA(.received(1, Array(repeating: 0xAB, count: 100)))      // garbage
        pair.toA(.received(7, Hello(sender: try NodeID("b"), role: .router, helloIntervalMs: 1000,
                                    deadIntervalMs: 4000).encode()))    // unknown link
        let stranger = LinkStateUpdate(sender: try NodeID("mallory"), lsas: [
            LSA(origin: try NodeID("mallory"), sequence: 1, lifetime: 3600, body: .servicePrefix([
                PrefixEntry(prefix: .make("/steal"))]))])
        pair.toA(.received(1, stranger.encode()))                       // not the neighbour
        pair.toA(.received(1, Telemetry(reporter: try NodeID("b"), timestampMs: 0).encode()))  // wrong class
        let selfHello = Hello(sender: try NodeID("a"), role: .router, helloIntervalMs: 1000, deadIntervalMs: 4000)
        pair.toA(.received(1, selfHello.encode()))                      // our own hello looped back
        #expect(pair.a.counters.decodeErrorTotal == 3)
        #expect(pair.a.counters.packetsRefused == 4)
        #expect(pair.a.lsdb.count == lsdbBefore)
        #expect(pair.a.neighbors.first?.neighbor.state == .up)
        #expect(pair.a.fib.lookup(.make("/steal")) == nil)
    }
}
