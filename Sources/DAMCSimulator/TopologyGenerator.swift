import DAMCTopology
import DAMCWire

/// Random connected topologies for simulator tests and benchmarks: a core
/// of routers joined by a random spanning tree plus extra random links,
/// and gateways that each attach to one or two routers and serve a few
/// prefixes (some of them anycast, served by several gateways).
public enum TopologyGenerator {
    public static func generate(routers: Int, gateways: Int, extraCoreLinks: Int,
                                prefixesPerGateway: Int = 2, anycastShare: Double = 0.2,
                                seed: UInt64) -> Topology {
        var rng = SeededGenerator(seed: seed)
        func pick(_ range: Range<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
        let routerIDs = (0..<routers).map { try! NodeID("sr\($0)") }
        var nodes = routerIDs.map { Topology.Node(id: $0, role: .router) }
        var links: [Topology.Link] = []
        var joined: Set<[Int]> = []
        func connect(_ a: Int, _ b: Int, cost: UInt32) {
            guard a != b, joined.insert([min(a, b), max(a, b)]).inserted else { return }
            links.append(Topology.Link(a: routerIDs[a], b: routerIDs[b], cost: cost, capacityMbps: 10_000))
        }
        for router in 1..<max(1, routers) {
            connect(router, pick(0..<router), cost: UInt32(pick(1..<20)))
        }
        var attempts = 0
        while links.count < routers - 1 + extraCoreLinks && attempts < extraCoreLinks * 10 {
            attempts += 1
            connect(pick(0..<routers), pick(0..<routers), cost: UInt32(pick(1..<20)))
        }
        for gateway in 0..<gateways {
            let id = try! NodeID("sg\(gateway)")
            var services: [Topology.Service] = []
            for index in 0..<prefixesPerGateway {
                let shared = rng.chance(anycastShare)
                let name = shared ? "/shared/s\(pick(0..<max(1, gateways / 4)))" : "/svc/g\(gateway)/p\(index)"
                let prefix = try! ServiceName(name)
                if !services.contains(where: { $0.prefix == prefix }) {
                    services.append(Topology.Service(prefix: prefix, pod: try! PodID("pod\(gateway)")))
                }
            }
            nodes.append(Topology.Node(id: id, role: .gateway, services: services))
            let first = pick(0..<routers)
            links.append(Topology.Link(a: id, b: routerIDs[first], cost: UInt32(pick(1..<20)), capacityMbps: 1000))
            if routers > 1 && rng.chance(0.5) {
                var second = pick(0..<routers)
                if second == first { second = (first + 1) % routers }
                links.append(Topology.Link(a: id, b: routerIDs[second], cost: UInt32(pick(1..<20)), capacityMbps: 1000))
            }
        }
        return Topology(name: "generated-\(routers)r-\(gateways)g-\(seed)", nodes: nodes, links: links)
    }
}
