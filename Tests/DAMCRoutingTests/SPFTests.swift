import DAMCRouting
import DAMCSimulator
import DAMCWire
import PropertyBased
import Testing

@Suite("SPF, RIB and FIB")
struct SPFTests {
    static func id(_ n: Int) -> NodeID { try! NodeID("n\(n)") }

    /// Random graph: (advertisements for SPFGraph, reference edges, no-transit flags).
    static func randomGraph(_ rng: inout some RandomNumberGenerator) -> (
        [NodeID: (flags: NodeFlags, adjacencies: [Adjacency])], ReferenceRouting
    ) {
        let count = Int.random(in: 2...14, using: &rng)
        var adverts: [NodeID: (flags: NodeFlags, adjacencies: [Adjacency])] = [:]
        var edges = [[ReferenceRouting.Edge]](repeating: [], count: count)
        var noTransit = [Bool](repeating: false, count: count)
        var nextLink = [UInt32](repeating: 1, count: count)
        for n in 0..<count {
            noTransit[n] = Int.random(in: 0..<4, using: &rng) == 0
            adverts[id(n)] = (noTransit[n] ? .noTransit : [], [])
        }
        for _ in 0..<Int.random(in: 1...(count * 2), using: &rng) {
            let a = Int.random(in: 0..<count, using: &rng), b = Int.random(in: 0..<count, using: &rng)
            guard a != b else { continue }
            let cost = UInt32.random(in: 1...4, using: &rng)   // small costs: many ties, much ECMP
            let la = nextLink[a], lb = nextLink[b]
            nextLink[a] += 1; nextLink[b] += 1
            // Sometimes only one end advertises: the two-way check must drop it.
            let oneWay = Int.random(in: 0..<8, using: &rng) == 0
            adverts[id(a)]!.adjacencies.append(Adjacency(neighbor: id(b), cost: cost, capacityKbps: 1, linkID: la))
            if !oneWay {
                adverts[id(b)]!.adjacencies.append(Adjacency(neighbor: id(a), cost: cost, capacityKbps: 1, linkID: lb))
                edges[a].append(.init(to: b, cost: UInt64(cost), link: la))
                edges[b].append(.init(to: a, cost: UInt64(cost), link: lb))
            }
        }
        // A one-way advertisement between a pair that is otherwise two-way
        // still counts (the check is per node pair), so mirror that.
        for a in 0..<count {
            for adjacency in adverts[id(a)]!.adjacencies {
                let b = Int(adjacency.neighbor.rawValue.dropFirst())!
                let twoWay = adverts[adjacency.neighbor]!.adjacencies.contains { $0.neighbor == id(a) }
                let present = edges[a].contains { $0.link == adjacency.linkID! }
                if twoWay && !present {
                    edges[a].append(.init(to: b, cost: UInt64(adjacency.cost), link: adjacency.linkID!))
                }
            }
        }
        return (adverts, ReferenceRouting(ids: (0..<count).map(id), noTransit: noTransit, edges: edges))
    }

    @Test("SPF equals the all-pairs reference: distances, ECMP sets, two-way check, no-transit")
    func spfMatchesReference() async {
        let graphs = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return SPFTests.randomGraph(&source)
        })
        await propertyCheck(count: 400, input: graphs) { graph in
            let (adverts, reference) = graph
            let spfGraph = SPFGraph(advertised: adverts)
            for source in reference.ids.indices {
                let result = SPFResult.compute(from: reference.ids[source], on: spfGraph)
                for destination in reference.ids.indices where destination != source {
                    let expected = reference.distance[source][destination]
                    let actual = result.distance[reference.ids[destination]]
                    #expect(actual == (expected == .max ? nil : expected))
                    #expect((result.nextHops[reference.ids[destination]] ?? []) == reference.nextHops(from: source, to: destination))
                }
            }
        }
    }

    @Test("ECMP and no-transit on a square with a gateway")
    func square() {
        // a - b - d and a - c - d, all cost 1; g hangs off b and c and is no-transit.
        func adj(_ n: String, _ link: UInt32, cost: UInt32 = 1) -> Adjacency {
            Adjacency(neighbor: try! NodeID(n), cost: cost, capacityKbps: 1, linkID: link)
        }
        let graph = SPFGraph(advertised: [
            try! NodeID("a"): ([], [adj("b", 1), adj("c", 2)]),
            try! NodeID("b"): ([], [adj("a", 1), adj("d", 2), adj("g", 3)]),
            try! NodeID("c"): ([], [adj("a", 1), adj("d", 2), adj("g", 3)]),
            try! NodeID("d"): ([], [adj("b", 1), adj("c", 2)]),
            try! NodeID("g"): (.noTransit, [adj("b", 1, cost: 0 + 1), adj("c", 2, cost: 1)]),
        ])
        let fromA = SPFResult.compute(from: try! NodeID("a"), on: graph)
        #expect(fromA.distance[try! NodeID("d")] == 2)
        #expect(fromA.nextHops[try! NodeID("d")] == [.neighbor(link: 1, node: try! NodeID("b")), .neighbor(link: 2, node: try! NodeID("c"))])
        #expect(fromA.nextHops[try! NodeID("g")]?.count == 2)
        // From g, d is reachable via b or c, but nobody goes through g.
        let fromB = SPFResult.compute(from: try! NodeID("b"), on: graph)
        #expect(fromB.nextHops[try! NodeID("c")]?.count == 2)   // via a and via d, never via g
        #expect(fromB.nextHops[try! NodeID("c")]?.contains(.neighbor(link: 3, node: try! NodeID("g"))) == false)
    }

    @Test("FIB: longest match on whole components")
    func longestMatch() {
        var fib = FIB()
        let hop = NextHop.neighbor(link: 1, node: try! NodeID("r1"))
        let other = NextHop.neighbor(link: 2, node: try! NodeID("r2"))
        fib.apply(.add(.make("/a"), [hop]))
        fib.apply(.add(.make("/a/b"), [other]))
        fib.apply(.add(.make("/files/a%2Fb"), [.local]))
        #expect(fib.lookup(.make("/a/b/c"))?.prefix == .make("/a/b"))
        #expect(fib.lookup(.make("/a/bc"))?.prefix == .make("/a"))
        #expect(fib.lookup(.make("/ab")) == nil)                   // /a is not a prefix of /ab
        #expect(fib.lookup(.make("/a"))?.nextHops == [hop])
        #expect(fib.lookup(.make("/files/a/b")) == nil)            // %2F is inside one component
        #expect(fib.lookup(.make("/files/a%2fb/x"))?.nextHops == [.local])
        fib.apply(.add(.make("/"), [other]))
        #expect(fib.lookup(.make("/zzz"))?.prefix == .root)
        fib.apply(.change(.make("/a/b"), [hop, other]))
        #expect(fib.lookup(.make("/a/b/c"))?.nextHops == [hop, other])
        fib.apply(.remove(.make("/a/b")))
        #expect(fib.lookup(.make("/a/b/c"))?.prefix == .make("/a"))
        #expect(fib.count == 3)
    }

    @Test("FIB equals a linear-scan reference under random changes")
    func fibProperty() async {
        let names = ["/a", "/a/b", "/a/b/c", "/ab", "/b", "/", "/a/c", "/x/y/z", "/a%20b", "/a/b/c/d/e"].map(ServiceName.make)
        let operations = Generator(run: { rng in
            (0..<60).map { _ in (Int.random(in: 0..<names.count, using: &rng), Int.random(in: 0..<3, using: &rng)) }
        })
        await propertyCheck(count: 200, input: operations) { ops in
            var fib = FIB()
            var reference: [ServiceName: [NextHop]] = [:]
            for (index, op) in ops {
                let name = names[index]
                if op == 0 {
                    fib.apply(.remove(name)); reference[name] = nil
                } else {
                    let hops: [NextHop] = op == 1 ? [.local] : [.neighbor(link: UInt32(index), node: try! NodeID("r"))]
                    fib.apply(.add(name, hops)); reference[name] = hops
                }
                for probe in names + [.make("/a/b/c/d/e/f"), .make("/q")] {
                    let expected = reference.keys.filter { $0.isPrefix(of: probe) }.max { $0.count < $1.count }
                    #expect(fib.lookup(probe)?.prefix == expected)
                    #expect(fib.lookup(probe)?.nextHops == expected.flatMap { reference[$0] })
                }
            }
        }
    }

    @Test("a FIB past 2 MiB of slots (mapped memory) copies on write; batches intern next-hop sets correctly")
    func fibMappedCopies() {
        // 80,000 entries need 131,072 slots (4 MiB): the table lives in its
        // own mapping. Next-hop arrays come both shared (one array for many
        // routes, interned by identity) and as equal but distinct arrays.
        let shared: [[NextHop]] = (1...3).map { [.neighbor(link: UInt32($0), node: try! NodeID("r\($0)"))] }
        let names = (0..<80_000).map { ServiceName.make("/m\($0 % 1000)/e\($0)") }
        let changes: [FIBChange] = names.enumerated().map { index, name in
            index % 2 == 0 ? .add(name, shared[index % 3]) : .add(name, [.neighbor(link: 9, node: try! NodeID("r\(index % 4)"))])
        }
        var fib = FIB()
        fib.apply(contentsOf: changes)
        #expect(fib.count == names.count)
        func expected(_ index: Int) -> [NextHop] {
            index % 2 == 0 ? shared[index % 3] : [.neighbor(link: 9, node: try! NodeID("r\(index % 4)"))]
        }
        for index in stride(from: 0, to: names.count, by: 997) {
            #expect(fib.nextHops(for: names[index]) == expected(index))
        }
        let copy = fib
        fib.apply(contentsOf: names.prefix(40_000).map { .remove($0) })
        fib.apply(.change(names[79_999], [.local]))
        #expect(fib.count == 40_000)
        #expect(copy.count == names.count)
        for index in stride(from: 0, to: names.count, by: 997) {
            #expect(copy.nextHops(for: names[index]) == expected(index))
            #expect(fib.nextHops(for: names[index]) == (index < 40_000 ? nil : expected(index)))
        }
        #expect(fib.nextHops(for: names[79_999]) == [.local])
        #expect(copy.nextHops(for: names[79_999]) == expected(79_999))
        #expect(copy.lookup(try! names[5].appending(Array("x".utf8)))?.prefix == names[5])
    }

    @Test("FIB at scale: growth, removals, arena compaction and copies agree with a dictionary")
    func fibScale() async {
        // Short names live inline in their slot, long ones (over 20 bytes of
        // storage) in the arena; thousands of operations force rehashes,
        // tombstones and compaction, and a copy taken midway must stay
        // independent and correct.
        let names: [ServiceName] = (0..<1500).map { index in
            index % 3 == 0
                ? .make("/svc\(index % 97)/a-rather-long-component-\(index)/v\(index % 5)")
                : .make("/s\(index % 50)/i\(index)")
        }
        let hops: [[NextHop]] = (1...4).map { [.neighbor(link: UInt32($0), node: try! NodeID("r\($0)"))] }
        let operations = Generator(run: { rng in
            (0..<6000).map { _ in (Int.random(in: 0..<names.count, using: &rng), Int.random(in: 0..<5, using: &rng)) }
        })
        func check(_ fib: FIB, _ reference: [ServiceName: [NextHop]]) {
            #expect(fib.count == reference.count)
            // The batched lookup answers exactly as one lookup per name.
            let probes = names.prefix(300).map { try! $0.appending(Array("y".utf8)) } + [.make("/nothing/here")]
            #expect(fib.lookupNextHops(batch: probes[...]) == probes.map { fib.lookupNextHops($0) })
            for name in names.prefix(300) {
                let probe = try! name.appending(Array("x".utf8))
                var expected: ServiceName? = nil
                var length = probe.count
                while length >= 0 {
                    if reference[probe.prefix(length)] != nil { expected = probe.prefix(length); break }
                    length -= 1
                }
                #expect(fib.lookup(probe)?.prefix == expected)
                #expect(fib.lookup(probe)?.nextHops == expected.flatMap { reference[$0] })
            }
        }
        await propertyCheck(count: 5, input: operations) { ops in
            var fib = FIB()
            var reference: [ServiceName: [NextHop]] = [:]
            var snapshot: (FIB, [ServiceName: [NextHop]])?
            for (step, (index, op)) in ops.enumerated() {
                let name = names[index]
                if op <= 1 {
                    fib.apply(.remove(name)); reference[name] = nil
                } else {
                    fib.apply(.add(name, hops[op - 1])); reference[name] = hops[op - 1]
                }
                if step == ops.count / 2 { snapshot = (fib, reference) }
            }
            check(fib, reference)
            #expect(fib.entries.map(\.0) == reference.keys.sorted())
            guard var (copy, copyReference) = snapshot else { return }
            for name in names.prefix(400) { copy.apply(.remove(name)); copyReference[name] = nil }
            check(copy, copyReference)
            check(fib, reference)
        }
    }

    @Test("RIB: anycast keeps every equally near gateway; the nearest wins otherwise")
    func anycast() {
        var lsdb = LSDB()
        func adjacencyLSA(_ origin: String, _ flags: NodeFlags, _ adjacencies: [(String, UInt32, UInt32)]) -> LSA {
            LSA(origin: try! NodeID(origin), sequence: 1, lifetime: 3600,
                body: .adjacency(flags: flags, adjacencies: adjacencies.map {
                    Adjacency(neighbor: try! NodeID($0.0), cost: $0.1, capacityKbps: 1, linkID: $0.2) }))
        }
        let lsas = [
            adjacencyLSA("r", [], [("g1", 10, 1), ("g2", 10, 2), ("g3", 20, 3)]),
            adjacencyLSA("g1", .noTransit, [("r", 10, 1)]),
            adjacencyLSA("g2", .noTransit, [("r", 10, 1)]),
            adjacencyLSA("g3", .noTransit, [("r", 20, 1)]),
            LSA(origin: try! NodeID("g1"), sequence: 1, lifetime: 3600, body: .servicePrefix([PrefixEntry(prefix: .make("/s"))])),
            LSA(origin: try! NodeID("g2"), sequence: 1, lifetime: 3600, body: .servicePrefix([PrefixEntry(prefix: .make("/s"))])),
            LSA(origin: try! NodeID("g3"), sequence: 1, lifetime: 3600, body: .servicePrefix([PrefixEntry(prefix: .make("/s"))])),
            LSA(origin: try! NodeID("g3"), fragment: 1, sequence: 1, lifetime: 3600,
                body: .servicePrefix([PrefixEntry(prefix: .make("/only3"), metric: 5)])),
        ]
        for lsa in lsas { lsdb.install(lsa, checksum: lsa.checksum, now: .zero) }
        let spf = SPFResult.compute(from: try! NodeID("r"), on: SPFGraph(lsdb: lsdb, now: .zero))
        let rib = RIB(lsdb: lsdb, spf: spf, selfID: try! NodeID("r"), now: .zero)
        #expect(rib.routes[.make("/s")]?.origins == [try! NodeID("g1"), try! NodeID("g2")])
        #expect(rib.routes[.make("/s")]?.nextHops.count == 2)
        #expect(rib.routes[.make("/s")]?.cost == 10)
        #expect(rib.routes[.make("/only3")]?.cost == 25)
        // The grant hook refuses entries: they never reach the RIB.
        let filtered = RIB(lsdb: lsdb, spf: spf, selfID: try! NodeID("r"), now: .zero) { _, origin in origin.rawValue != "g1" }
        #expect(filtered.routes[.make("/s")]?.origins == [try! NodeID("g2")])
    }

    @Test("SPF throttle follows RFC 8405: initial, short, long, back to quiet")
    func throttle() {
        // Virtual instants: the state machine is fed times, it reads no clock.
        // Each check is of the deadline it computes from its configuration.
        var throttle = SPFThrottle()
        let delays = throttle.configuration
        let first = Instant.zero
        throttle.event(now: first)
        #expect(throttle.state == .shortWait)
        #expect(throttle.spfDue == first + delays.initialDelay)
        var ran = throttle.expire(now: first + delays.initialDelay)
        #expect(ran)
        let second = first + .milliseconds(100)
        throttle.event(now: second)
        #expect(throttle.spfDue == second + delays.shortDelay)
        ran = throttle.expire(now: second + delays.shortDelay)
        #expect(ran)
        _ = throttle.expire(now: first + delays.timeToLearn)          // time to learn ends
        #expect(throttle.state == .longWait)
        let third = first + .seconds(1)
        throttle.event(now: third)
        #expect(throttle.spfDue == third + delays.longDelay)
        ran = throttle.expire(now: third + delays.longDelay)
        #expect(ran)
        _ = throttle.expire(now: third + delays.longDelay + delays.holdDown)   // hold-down over
        #expect(throttle.state == .quiet)
        let fourth = first + .seconds(20)
        throttle.event(now: fourth)
        #expect(throttle.spfDue == fourth + delays.initialDelay)
    }
}
