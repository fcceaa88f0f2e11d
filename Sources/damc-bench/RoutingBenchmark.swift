import DAMCRouting
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Glibc

/// Routing engine benchmarks (issue 4), each beside a reference measured in
/// the same run. See docs/performance.md.
enum RoutingBenchmark {
    static let clock = ContinuousClock()

    static func milliseconds(_ duration: Duration) -> Double { duration.milliseconds }

    static func time<T>(_ body: () -> T) -> (T, Duration) {
        var result: T?
        let elapsed = clock.measure { result = body() }
        return (result!, elapsed)
    }

    static func median(_ runs: Int, _ body: () -> Void) -> Duration {
        var samples: [Duration] = []
        for _ in 0..<runs { samples.append(clock.measure(body)) }
        return samples.sorted()[runs / 2]
    }

    /// Resident memory of this process in bytes (/proc/self/statm).
    static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(file) }
        var size = 0, resident = 0
        withUnsafeMutablePointer(to: &size) { sizePointer in
            withUnsafeMutablePointer(to: &resident) { residentPointer in
                var line = [CChar](repeating: 0, count: 128)
                if fgets(&line, 128, file) != nil {
                    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    let fields = text.split(separator: " ")
                    sizePointer.pointee = Int(fields[0]) ?? 0
                    residentPointer.pointee = Int(fields[1]) ?? 0
                }
            }
        }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    // MARK: SPF + RIB + FIB

    /// Full recompute on 1,000 nodes, 4,000 links, 10,000 prefixes, beside a
    /// textbook binary-heap Dijkstra (distances only) on the same graph.
    static func spf(profileIterations: Int = 0) {
        var rng = SeededGenerator(seed: 42)
        let count = 1000, linkCount = 4000, gateways = 200, prefixesPerGateway = 50
        let ids = (0..<count).map { try! NodeID(($0 < gateways ? "g" : "r") + "\($0)") }
        var adjacencies = [[Adjacency]](repeating: [], count: count)
        var edges = [[ReferenceRouting.Edge]](repeating: [], count: count)
        var pairs: Set<[Int]> = []
        func link(_ a: Int, _ b: Int) {
            guard a != b, pairs.insert([min(a, b), max(a, b)]).inserted else { return }
            let cost = UInt32(1 + rng.next() % 20)
            let la = UInt32(adjacencies[a].count + 1), lb = UInt32(adjacencies[b].count + 1)
            adjacencies[a].append(Adjacency(neighbor: ids[b], cost: cost, capacityKbps: 10_000_000, linkID: la))
            adjacencies[b].append(Adjacency(neighbor: ids[a], cost: cost, capacityKbps: 10_000_000, linkID: lb))
            edges[a].append(.init(to: b, cost: UInt64(cost), link: la))
            edges[b].append(.init(to: a, cost: UInt64(cost), link: lb))
        }
        // Routers: spanning tree plus random links; gateways: two uplinks each.
        for r in (gateways + 1)..<count { link(r, gateways + Int(rng.next() % UInt64(r - gateways))) }
        for g in 0..<gateways {
            link(g, gateways + Int(rng.next() % UInt64(count - gateways)))
            link(g, gateways + Int(rng.next() % UInt64(count - gateways)))
        }
        while pairs.count < linkCount {
            link(gateways + Int(rng.next() % UInt64(count - gateways)), gateways + Int(rng.next() % UInt64(count - gateways)))
        }
        var lsdb = LSDB()
        for node in 0..<count {
            let lsa = LSA(origin: ids[node], sequence: 1, lifetime: 3600,
                          body: .adjacency(flags: node < gateways ? .noTransit : [], adjacencies: adjacencies[node]))
            lsdb.install(lsa, checksum: lsa.checksum, now: .zero)
        }
        for g in 0..<gateways {
            let entries = (0..<prefixesPerGateway).map {
                PrefixEntry(prefix: try! ServiceName("/svc\(g)/api\($0)"), metric: 0)
            }
            let lsa = LSA(origin: ids[g], sequence: 1, lifetime: 3600, body: .servicePrefix(entries))
            lsdb.install(lsa, checksum: lsa.checksum, now: .zero)
        }
        let source = ids[gateways]  // a router
        if profileIterations > 0 {
            // A loop for profilers: the recompute alone, many times.
            var total = 0
            for _ in 0..<profileIterations {
                let graph = SPFGraph(lsdb: lsdb, now: .zero)
                let result = SPFResult.compute(from: source, on: graph)
                let rib = RIB(lsdb: lsdb, spf: result, selfID: source, now: .zero)
                var fib = FIB()
                fib.apply(contentsOf: FIB.diff(from: RIB(), to: rib))
                total += fib.count
            }
            print("routes \(total)")
            return
        }
        var fibSize = 0
        // Each stage clocked inside the same run; the total includes freeing
        // the previous run's structures, as a daemon's recompute would.
        var stages: [[Duration]] = Array(repeating: [], count: 6)
        var kept: (SPFGraph, SPFResult, RIB, FIB)?
        for _ in 0..<9 {
            let start = clock.now
            kept = nil
            let freed = clock.now
            let graph = SPFGraph(lsdb: lsdb, now: .zero)
            let built = clock.now
            let result = SPFResult.compute(from: source, on: graph)
            let spfDone = clock.now
            let rib = RIB(lsdb: lsdb, spf: result, selfID: source, now: .zero)
            let ribDone = clock.now
            let changes = FIB.diff(from: RIB(), to: rib)
            let diffDone = clock.now
            var fib = FIB()
            fib.apply(contentsOf: changes)
            let applied = clock.now
            fibSize = fib.count
            kept = (graph, result, rib, fib)
            for (index, (from, to)) in [(start, applied), (start, freed), (freed, built), (built, spfDone), (spfDone, ribDone),
                                         (ribDone, diffDone)].enumerated() { stages[index].append(to - from) }
            stages[0][stages[0].count - 1] = applied - start
            _ = applied
        }
        withExtendedLifetime(kept) {}
        func medianOf(_ samples: [Duration]) -> Duration { samples.sorted()[samples.count / 2] }
        let full = medianOf(stages[0])
        let freeOnly = medianOf(stages[1]), graphOnly = medianOf(stages[2]), spfOnly = medianOf(stages[3])
        let ribOnly = medianOf(stages[4]), diffOnly = medianOf(stages[5])
        let applyOnly = full - freeOnly - graphOnly - spfOnly - ribOnly - diffOnly
        let noTransit = (0..<count).map { $0 < gateways }
        let reference = median(9) { _ = ReferenceRouting.dijkstra(from: gateways, edges: edges, noTransit: noTransit) }
        print("SPF + RIB + FIB, \(count) nodes, \(pairs.count) links, \(fibSize) prefixes (median of 9)")
        print("  full recompute (graph from LSDB, SPF with ECMP, RIB, FIB from empty): \(format(milliseconds(full))) ms")
        print("    of which freeing the previous run: \(format(milliseconds(freeOnly))) ms, graph build: \(format(milliseconds(graphOnly))) ms, SPF with ECMP sets: \(format(milliseconds(spfOnly))) ms, RIB: \(format(milliseconds(ribOnly))) ms, FIB diff: \(format(milliseconds(diffOnly))) ms, FIB apply: \(format(milliseconds(applyOnly))) ms (medians of each)")
        print("  reference: textbook binary-heap Dijkstra, distances only: \(format(milliseconds(reference))) ms")
        print("  ratio SPF/reference: \(format(milliseconds(spfOnly) / milliseconds(reference)))x")
    }

    // MARK: FIB lookup

    static func fib(sizes: [Int]) {
        for size in sizes {
            var rng = SeededGenerator(seed: UInt64(size))
            let names = (0..<size).map { try! ServiceName("/svc\($0 % 5000)/api\($0 / 5000)/v\($0 % 7)") }
            let probes = (0..<10_000).map { _ -> ServiceName in
                let base = names[Int(rng.next() % UInt64(size))]
                return try! base.appending(Array("item\(rng.next() % 1000)".utf8)).appending(Array("x".utf8))
            }
            let before = residentBytes()
            var fib = FIB()
            let hops: [[NextHop]] = (1...8).map { [.neighbor(link: UInt32($0), node: try! NodeID("r\($0)"))] }
            let (_, build) = time { for (index, name) in names.enumerated() { fib.apply(.add(name, hops[index % 8])) } }
            let fibBytes = residentBytes() - before
            var found = 0
            let lookup = median(5) { for probe in probes where fib.lookupNextHops(probe) != nil { found += 1 } }
            let batched = median(5) {
                var start = 0
                while start < probes.count {
                    let end = min(start + 16, probes.count)
                    for hops in fib.lookupNextHops(batch: probes[start..<end]) where hops != nil { found += 1 }
                    start = end
                }
            }
            // Reference 1: exact-match dictionary (probing each prefix length).
            let before2 = residentBytes()
            var dictionary: [ServiceName: [NextHop]] = [:]
            dictionary.reserveCapacity(size)
            for (index, name) in names.enumerated() { dictionary[name] = hops[index % 8] }
            let dictionaryBytes = residentBytes() - before2
            let exact = median(5) {
                for probe in probes {
                    var length = probe.count
                    while length >= 0, dictionary[probe.prefix(length)] == nil { length -= 1 }
                }
            }
            let exactOnly = median(5) { for (index, _) in probes.enumerated() where dictionary[names[index % size]] != nil { found += 1 } }
            // Reference 2: linear scan for the longest prefix (a sample of probes).
            let sample = Array(probes.prefix(size >= 1_000_000 ? 3 : 20))
            let scan = median(3) {
                for probe in sample {
                    var best = -1
                    for name in names where name.count > best && name.isPrefix(of: probe) { best = name.count }
                    found += best
                }
            }
            let perLookup = milliseconds(lookup) * 1e6 / Double(probes.count)
            print("FIB, \(size) prefixes: build \(format(milliseconds(build))) ms; resident \(fibBytes / size) B/entry (FIB's own accounting: \(fib.approximateBytes / size) B/entry)")
            print("  longest-prefix lookup (5-component names, 3-component match): \(format(perLookup)) ns")
            print("  the same, in batches of 16 (slots touched first): \(format(milliseconds(batched) * 1e6 / Double(probes.count))) ns per name")
            print("  reference dictionary, LPM by probing each length: \(format(milliseconds(exact) * 1e6 / Double(probes.count))) ns; exact hit only: \(format(milliseconds(exactOnly) * 1e6 / Double(probes.count))) ns; resident \(dictionaryBytes / size) B/entry")
            print("  reference linear scan: \(format(milliseconds(scan) * 1e6 / Double(sample.count))) ns per lookup")
            withExtendedLifetime(dictionary) {}
            withExtendedLifetime(fib) {}
            _ = found
        }
    }

    /// A lookup loop for profilers.
    static func profileLookups(size: Int, count: Int) {
        let names = (0..<size).map { try! ServiceName("/svc\($0 % 5000)/api\($0 / 5000)/v\($0 % 7)") }
        var fib = FIB()
        for name in names { fib.apply(.add(name, [.local])) }
        let probes = names.prefix(1000).map { try! $0.appending(Array("item7".utf8)).appending(Array("x".utf8)) }
        var found = 0
        for index in 0..<count where fib.lookupNextHops(probes[index % probes.count]) != nil { found += 1 }
        print("found \(found)")
    }

    // MARK: Flooding and simulation

    /// Converges a generated topology, waits out the SPF hold-down, then
    /// changes one link's cost (one origination) and counts the LSA copies
    /// it costs the network, beside the 2 x links bound; then times a link
    /// failure in wall-clock time.
    static func simulation(routers: Int, gateways: Int) {
        let topology = TopologyGenerator.generate(routers: routers, gateways: gateways, extraCoreLinks: routers, seed: 5)
        let sim = Simulator(topology: topology, seed: 5)
        sim.start()
        let (_, coldStart) = time { sim.run(for: .seconds(15)) }
        let converged = sim.fibMismatches().isEmpty
        sim.run(for: .seconds(15))  // SPF back-off back to quiet
        let core = sim.links.firstIndex { sim.nodes[$0.a].config.role == .router && sim.nodes[$0.b].config.role == .router }!
        func copies() -> Int { sim.total(\.lsasFlooded) + sim.total(\.lsasRetransmitted) }
        let before = copies()
        let originationsBefore = sim.total(\.lsasOriginated)
        var parameters = sim.links[core].parameters
        parameters.cost += 1
        let link = sim.links[core]
        sim.deliver(.linkChanged(link.linkA, parameters), to: link.a)
        sim.run(for: .seconds(5))
        let originations = sim.total(\.lsasOriginated) - originationsBefore
        let perLSA = Double(copies() - before) / Double(max(1, originations))
        print("\(topology.nodes.count)-node simulation (\(sim.links.count) links): cold start to converged FIBs: \(format(milliseconds(coldStart) / 1000)) s wall for 15 s virtual; FIBs equal the reference: \(converged)")
        print("  flooding one origination: \(format(perLSA)) LSA copies (bound 2 x links = \(2 * sim.links.count)); with acks \(sim.links.count * 2) messages per direction pair at most")
        sim.run(for: .seconds(15))  // quiet again before the failure
        let (_, failure) = time {
            sim.setLink(core, up: false)
            sim.run(for: .seconds(10))
        }
        let worst = sim.nodes.compactMap { $0.engine.counters.lastConvergence }.max()
        print("  single link failure: \(format(milliseconds(failure))) ms wall to simulate 10 s virtual; FIBs equal the reference: \(sim.fibMismatches().isEmpty); slowest node converged in \(worst.map { format(milliseconds($0)) } ?? "-") ms virtual")
    }

    static func format(_ value: Double) -> String {
        let rounded = Double(Int(value * 100 + 0.5)) / 100
        return String(rounded)
    }
}
