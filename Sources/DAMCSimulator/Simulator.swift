import DAMCRouting
import DAMCTopology
import DAMCWire
import HeapModule

/// Runs a whole network of routing engines in one process under a virtual
/// clock (DESIGN.md §2): datagrams between engines are delivered after a
/// delay, and may be lost, duplicated or reordered; links can go down,
/// silently black-hole, and nodes can crash and restart. Everything is
/// driven by one seeded generator, so a run is reproduced from its seed.
public final class Simulator {
    /// What the network does to datagrams.
    public struct Conditions: Sendable {
        public var delay: Duration = .milliseconds(1)
        /// Extra random delay in [0, jitter): reorders datagrams.
        public var jitter: Duration = .zero
        public var loss: Double = 0
        public var duplication: Double = 0
        public init() {}
    }

    public struct SimLink: Sendable {
        public var a: Int
        public var b: Int
        public var linkA: LinkID
        public var linkB: LinkID
        public var parameters: LinkParameters
        /// Interface state (both ends see it change).
        public var up = true
        /// Silently dropping everything (a partition the ends must detect).
        public var blackholed = false
    }

    public struct SimNode: Sendable {
        public var config: RoutingConfig
        public var engine: RoutingNode
        public var alive = true
        public var services: [PrefixEntry]
        /// Local link id to index in `links`.
        public var links: [LinkID: Int] = [:]
        var scheduledTick: Instant?
    }

    private struct Event: Comparable {
        var time: Instant
        var sequence: UInt64
        var kind: Kind
        enum Kind { case deliver(node: Int, link: LinkID, bytes: [UInt8], epoch: Int), tick(node: Int) }
        static func < (a: Event, b: Event) -> Bool { (a.time, a.sequence) < (b.time, b.sequence) }
        static func == (a: Event, b: Event) -> Bool { a.time == b.time && a.sequence == b.sequence }
    }

    public private(set) var nodes: [SimNode] = []
    public private(set) var links: [SimLink] = []
    public private(set) var index: [NodeID: Int] = [:]
    public var conditions = Conditions()
    public private(set) var now = Instant.zero
    public private(set) var rng: SeededGenerator
    /// Datagrams handed to the network, by message type byte.
    public private(set) var sent: [UInt8: Int] = [:]
    public private(set) var eventsProcessed = 0
    private var queue = Heap<Event>()
    private var sequence: UInt64 = 0
    /// Incremented when a node restarts, so datagrams in flight to its old
    /// incarnation are dropped.
    private var epochs: [Int] = []

    /// Builds the network of a topology. SPA nodes are left out (they take
    /// no part in routing); `configure` adjusts every node's timers.
    public init(topology: Topology, seed: UInt64, configure: (inout RoutingConfig) -> Void = { _ in }) {
        rng = SeededGenerator(seed: seed)
        for node in topology.nodes where node.role != .authenticator {
            var config = RoutingConfig(nodeID: node.id, role: node.role)
            configure(&config)
            index[node.id] = nodes.count
            let services = node.services.map { PrefixEntry(prefix: $0.prefix, metric: $0.metric) }
            nodes.append(SimNode(config: config, engine: RoutingNode(config: config), services: services))
            epochs.append(0)
        }
        for link in topology.links {
            guard let a = index[link.a], let b = index[link.b] else { continue }
            let linkA = LinkID(nodes[a].links.count + 1)
            let linkB = LinkID(nodes[b].links.count + 1)
            nodes[a].links[linkA] = links.count
            nodes[b].links[linkB] = links.count
            links.append(SimLink(a: a, b: b, linkA: linkA, linkB: linkB,
                                 parameters: LinkParameters(cost: link.cost, capacityKbps: link.capacityMbps * 1000)))
        }
    }

    /// Brings every node up: links, then its prefixes.
    public func start() {
        for node in nodes.indices { boot(node) }
    }

    private func boot(_ node: Int) {
        for (linkID, linkIndex) in nodes[node].links.sorted(by: { $0.key < $1.key }) where links[linkIndex].up {
            deliver(.linkUp(linkID, links[linkIndex].parameters), to: node)
        }
        if !nodes[node].services.isEmpty { deliver(.setPrefixes(nodes[node].services), to: node) }
        deliver(.tick, to: node)
    }

    // MARK: Running

    /// Hands `event` to a live node now and carries out its actions.
    public func deliver(_ event: RoutingEvent, to node: Int) {
        guard nodes[node].alive else { return }
        let actions = nodes[node].engine.handle(event, now: now)
        for action in actions {
            if case let .send(link, bytes) = action { transmit(bytes, from: node, link: link) }
        }
        scheduleTick(node)
    }

    private func scheduleTick(_ node: Int) {
        guard nodes[node].alive, let deadline = nodes[node].engine.nextDeadline else { return }
        let at = max(deadline, now)
        if let scheduled = nodes[node].scheduledTick, scheduled <= at { return }
        nodes[node].scheduledTick = at
        push(Event(time: at, sequence: 0, kind: .tick(node: node)))
    }

    private func push(_ event: Event) {
        var event = event
        sequence += 1
        event.sequence = sequence
        queue.insert(event)
    }

    private func transmit(_ bytes: [UInt8], from node: Int, link: LinkID) {
        sent[bytes.first ?? 0, default: 0] += 1
        guard let linkIndex = nodes[node].links[link] else { return }
        let simLink = links[linkIndex]
        guard simLink.up && !simLink.blackholed else { return }
        let (peer, peerLink) = simLink.a == node ? (simLink.b, simLink.linkB) : (simLink.a, simLink.linkA)
        let copies = rng.chance(conditions.duplication) ? 2 : 1
        for _ in 0..<copies where !rng.chance(conditions.loss) {
            var delay = conditions.delay
            if conditions.jitter > .zero {
                delay += .nanoseconds(Int64(rng.next() % UInt64(max(1, conditions.jitter.nanoseconds))))
            }
            push(Event(time: now + delay, sequence: 0,
                       kind: .deliver(node: peer, link: peerLink, bytes: bytes, epoch: epochs[peer])))
        }
    }

    /// Processes events up to and including `deadline`; the clock ends there.
    /// Returns false if `maxEvents` ran out first (a livelock guard).
    @discardableResult
    public func run(until deadline: Instant, maxEvents: Int = 50_000_000) -> Bool {
        var budget = maxEvents
        while let next = queue.min, next.time <= deadline {
            guard budget > 0 else { return false }
            budget -= 1
            let event = queue.removeMin()
            now = event.time
            eventsProcessed += 1
            switch event.kind {
            case let .deliver(node, link, bytes, epoch):
                guard epoch == epochs[node], nodes[node].alive else { continue }
                deliver(.received(link, bytes), to: node)
            case let .tick(node):
                guard nodes[node].scheduledTick == event.time else { continue }
                nodes[node].scheduledTick = nil
                deliver(.tick, to: node)
            }
        }
        now = max(now, deadline)
        return true
    }

    /// Runs for `duration` of virtual time.
    @discardableResult
    public func run(for duration: Duration) -> Bool { run(until: now + duration) }

    // MARK: Faults

    /// Sets a link's interface state at both ends (like `ip link set down`).
    public func setLink(_ linkIndex: Int, up: Bool) {
        guard links[linkIndex].up != up else { return }
        links[linkIndex].up = up
        let link = links[linkIndex]
        if up {
            deliver(.linkUp(link.linkA, link.parameters), to: link.a)
            deliver(.linkUp(link.linkB, link.parameters), to: link.b)
        } else {
            deliver(.linkDown(link.linkA), to: link.a)
            deliver(.linkDown(link.linkB), to: link.b)
        }
    }

    /// Starts or stops dropping everything on a link without telling its ends.
    public func setBlackhole(_ linkIndex: Int, _ blackholed: Bool) {
        links[linkIndex].blackholed = blackholed
    }

    /// Kills a node at once: no goodbye, state lost; neighbours find out by
    /// their dead interval.
    public func crash(_ node: Int) {
        nodes[node].alive = false
        nodes[node].scheduledTick = nil
        epochs[node] += 1
    }

    /// Restarts a crashed node with empty state.
    public func restart(_ node: Int) {
        guard !nodes[node].alive else { return }
        nodes[node].alive = true
        nodes[node].engine = RoutingNode(config: nodes[node].config)
        boot(node)
    }

    /// A planned shutdown: goodbye on every link, then gone.
    public func shutdown(_ node: Int) {
        deliver(.shutdown, to: node)
        crash(node)
    }

    // MARK: Observing

    public func fib(of node: Int) -> [ServiceName: [NextHop]] {
        Dictionary(uniqueKeysWithValues: nodes[node].engine.fib.entries)
    }

    /// The true topology as a reference router sees it.
    public func reference() -> ReferenceRouting {
        var edges = [[ReferenceRouting.Edge]](repeating: [], count: nodes.count)
        for link in links where link.up && !link.blackholed && nodes[link.a].alive && nodes[link.b].alive {
            let cost = UInt64(link.parameters.cost)
            edges[link.a].append(.init(to: link.b, cost: cost, link: link.linkA))
            edges[link.b].append(.init(to: link.a, cost: cost, link: link.linkB))
        }
        let noTransit = nodes.map { !$0.config.nodeFlags.intersection(.noTransit).isEmpty }
        return ReferenceRouting(ids: nodes.map(\.config.nodeID), noTransit: noTransit, edges: edges)
    }

    /// The FIB every live node should have, from the true topology.
    public func expectedFIBs() -> [Int: [ServiceName: [NextHop]]] {
        let reference = reference()
        var services: [Int: [(ServiceName, UInt32)]] = [:]
        for (node, state) in nodes.enumerated() where state.alive && !state.services.isEmpty {
            services[node] = state.services.map { ($0.prefix, $0.metric) }
        }
        var result: [Int: [ServiceName: [NextHop]]] = [:]
        for node in nodes.indices where nodes[node].alive {
            result[node] = reference.fib(for: node, services: services)
        }
        return result
    }

    /// Live nodes whose FIB differs from the reference, with a description
    /// of the first difference of each (empty when converged).
    public func fibMismatches() -> [String] {
        var problems: [String] = []
        for (node, expected) in expectedFIBs().sorted(by: { $0.key < $1.key }) {
            let actual = fib(of: node)
            guard actual != expected else { continue }
            let id = nodes[node].config.nodeID
            if let name = Set(actual.keys).union(expected.keys).sorted().first(where: { actual[$0] != expected[$0] }) {
                problems.append("\(id): \(name) has \(actual[name].map { "\($0)" } ?? "no route"), expected \(expected[name].map { "\($0)" } ?? "no route")")
            }
        }
        return problems
    }

    /// Sum of every live node's counters of one kind.
    public func total(_ counter: KeyPath<RoutingCounters, Int>) -> Int {
        nodes.reduce(0) { $0 + $1.engine.counters[keyPath: counter] }
    }

    public func node(_ id: NodeID) -> Int? { index[id] }
}
