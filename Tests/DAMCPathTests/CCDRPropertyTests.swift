import DAMCPath
import PropertyBased
import Testing

/// CCDR on random graphs against references computed independently: a
/// reachability search over the arcs with room for the flow, and
/// Bellman-Ford on costs.
@Suite("CCDR: properties on random graphs")
struct CCDRPropertyTests {
    /// A random network: 2-12 nodes (some not transit), random links with
    /// costs 1-5 and capacities 10-100 Mb/s, random loads, and a flow.
    struct Case: Sendable, CustomStringConvertible {
        var graph: PathGraph
        var load: NetworkLoad
        var flow: Flow
        var description: String {
            "\(graph.nodeCount) nodes, \(graph.linkCount) links, flow \(flow.source)->\(flow.destination) at \(flow.rate)"
        }
    }

    static func randomCase(_ rng: inout some RandomNumberGenerator, loaded: Bool) -> Case {
        let count = Int.random(in: 2...12, using: &rng)
        var links: [PathGraph.LinkSpec] = []
        for _ in 0..<Int.random(in: 1...(count * 3), using: &rng) {
            let a = Int.random(in: 0..<count, using: &rng), b = Int.random(in: 0..<count, using: &rng)
            guard a != b else { continue }
            links.append(.init(a: a, b: b, cost: UInt32.random(in: 1...5, using: &rng),
                               capacity: Double(Int.random(in: 1...10, using: &rng) * 10)))
        }
        let transit = (0..<count).map { _ in Int.random(in: 0..<5, using: &rng) != 0 }
        let graph = PathGraph(names: (0..<count).map { "n\($0)" }, links: links, transit: transit)
        var load = NetworkLoad(graph: graph)
        if loaded {
            for arc in graph.arcs.indices {
                load.set(arc, graph.arcs[arc].capacity * Double(Int.random(in: 0...100, using: &rng)) / 100)
            }
        }
        let source = Int.random(in: 0..<count, using: &rng)
        var destination = Int.random(in: 0..<count, using: &rng)
        if destination == source { destination = (source + 1) % count }
        // At most 90% of the smallest capacity (10 Mb/s): a flow that fits an idle link.
        let flow = Flow(source: source, destination: destination, rate: Double(Int.random(in: 1...9, using: &rng)))
        return Case(graph: graph, load: load, flow: flow)
    }

    /// Whether some path keeps every arc at or under the threshold with
    /// the flow added (breadth-first search over arcs with room).
    static func feasible(_ c: Case, threshold: Double) -> Bool {
        var seen = Set([c.flow.source])
        var queue = [c.flow.source]
        while let u = queue.popLast() {
            if u == c.flow.destination { return true }
            if u != c.flow.source && !c.graph.transit[u] { continue }
            for arc in c.graph.outgoing(u)
            where (c.load.load[arc] + c.flow.rate) / c.graph.arcs[arc].capacity <= threshold + 1e-9 {
                let v = c.graph.arcs[arc].to
                if seen.insert(v).inserted { queue.append(v) }
            }
        }
        return false
    }

    /// Least cost from the flow's source to its destination by Bellman-Ford
    /// (nil: unreachable), honouring transit.
    static func leastCost(_ c: Case) -> UInt64? {
        var cost = [UInt64?](repeating: nil, count: c.graph.nodeCount)
        cost[c.flow.source] = 0
        for _ in 0..<c.graph.nodeCount {
            for arc in c.graph.arcs {
                guard let at = cost[arc.from], arc.from == c.flow.source || c.graph.transit[arc.from] else { continue }
                let candidate = at + UInt64(arc.cost)
                if cost[arc.to].map({ candidate < $0 }) ?? true { cost[arc.to] = candidate }
            }
        }
        return cost[c.flow.destination]
    }

    static func isPath(_ path: Path, _ c: Case) -> Bool {
        let nodes = path.nodes(in: c.graph)
        guard nodes.first == c.flow.source, nodes.last == c.flow.destination else { return false }
        // Connected arcs, and only transit nodes inside.
        for (left, right) in zip(path.arcs, path.arcs.dropFirst()) where c.graph.arcs[left].to != c.graph.arcs[right].from {
            return false
        }
        return nodes.dropFirst().dropLast().allSatisfy { c.graph.transit[$0] }
    }

    @Test("never crosses the threshold when a path under it exists; flags the placement when none does")
    func thresholdRespected() async {
        let cases = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return CCDRPropertyTests.randomCase(&source, loaded: true)
        })
        await propertyCheck(count: 500, input: cases) { c in
            let ccdr = CCDR()
            let placement = ccdr.path(for: c.flow, in: c.graph, load: c.load)
            let reachable = Self.leastCost(c) != nil
            #expect((placement != nil) == reachable)
            guard let placement else { return }
            #expect(Self.isPath(placement.path, c))
            if Self.feasible(c, threshold: 0.9) {
                #expect(!placement.congested)
                for arc in placement.path.arcs {
                    #expect((c.load.load[arc] + c.flow.rate) / c.graph.arcs[arc].capacity <= 0.9 + 1e-9)
                }
            } else {
                #expect(placement.congested)
            }
        }
    }

    @Test("with every utilisation zero, CCDR's path is OSPF's, at Bellman-Ford's least cost")
    func idleEqualsDijkstra() async {
        let cases = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return CCDRPropertyTests.randomCase(&source, loaded: false)
        })
        await propertyCheck(count: 500, input: cases) { c in
            let placement = CCDR().path(for: c.flow, in: c.graph, load: c.load)
            let ospf = OSPF.path(from: c.flow.source, to: c.flow.destination, in: c.graph)
            #expect(placement?.path == ospf)
            #expect(placement.map(\.congested) != true)
            #expect(ospf?.cost(in: c.graph) == Self.leastCost(c))
        }
    }

    @Test("flows placed one after another add exactly their rates along their paths")
    func loadAccounting() async {
        let cases = Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return (0..<6).map { _ in CCDRPropertyTests.randomCase(&source, loaded: false) }
        })
        await propertyCheck(count: 100, input: cases) { batch in
            // Several flows on the first case's graph.
            let base = batch[0]
            let flows = batch.map { Flow(source: min($0.flow.source, base.graph.nodeCount - 1),
                                         destination: min($0.flow.destination, base.graph.nodeCount - 1), rate: $0.flow.rate) }
                .filter { $0.source != $0.destination }
            var load = base.load
            let placements = CCDR().place(flows, in: base.graph, load: &load)
            var expected = [Double](repeating: 0, count: base.graph.arcs.count)
            for (flow, placement) in zip(flows, placements) {
                for arc in placement?.path.arcs ?? [] { expected[arc] += flow.rate }
            }
            for arc in expected.indices { #expect(abs(load.load[arc] - expected[arc]) < 1e-9) }
        }
    }
}
