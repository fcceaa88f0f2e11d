import DAMCForwarding
import DAMCPath
import DAMCRouting
import DAMCTopology
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// Class 4 in the routing daemons (docs/scheduling.md): a gateway or router
/// reports to its SCSC and takes QoS policies from it; the SCSC runs the
/// scheduling centre beside its listen-only routing engine.
extension RoutingDaemon {
    func startScheduling() throws(SystemError) {
        if config.role == .scheduler, let settings = config.scheduler {
            let centre: SchedulingCentre
            do {
                centre = try SchedulingCentre(node: config.nodeID, settings: settings, loop: loop, logger: logger)
            } catch {
                throw SystemError("TLS", error.description, code: EINVAL)
            }
            centre.knownNodes = { [unowned self] in Set(node.lsdb.entries.keys.map(\.origin)) }
            centre.networkView = { [unowned self] in schedulingView() }
            try centre.start()
            schedulingCentre = centre
        }
        guard let scsc = config.scsc else { return }
        let client: SCSCClient
        do {
            client = try SCSCClient(config: scsc, node: config.nodeID, loop: loop, logger: logger)
        } catch {
            throw SystemError("TLS", error.description, code: EINVAL)
        }
        client.makeTelemetry = { [unowned self] in telemetry() }
        client.onInstall = { [unowned self] install in installPolicy(install) }
        client.onWithdraw = { [unowned self] withdraw in
            if policies.withdraw(withdraw) {
                logger.info("policy withdrawn", metadata: ["policy": "\(withdraw.policyID)", "version": "\(withdraw.version)"])
                policiesChanged()
            }
        }
        scscClient = client
        client.start()
    }

    /// The graph the centre computes on: every node with a live adjacency
    /// LSA, a link wherever both ends report each other (the cost and
    /// capacity of the end with the smaller id), gateways and the SCSC not
    /// transit.
    func schedulingView() -> SchedulingCentre.NetworkView {
        let now = Instant(nanoseconds: MonotonicClock.now())
        var flags: [NodeID: NodeFlags] = [:]
        var lists: [NodeID: [Adjacency]] = [:]
        for (key, entry) in node.lsdb.entries where key.type == .adjacency && !entry.isPurged(at: now) {
            guard case let .adjacency(nodeFlags, adjacencies) = entry.lsa.body else { continue }
            flags[key.origin, default: []].formUnion(nodeFlags)
            lists[key.origin, default: []] += adjacencies
        }
        let names = lists.keys.sorted()
        var index: [NodeID: Int] = [:]
        for (position, name) in names.enumerated() { index[name] = position }
        var links: [PathGraph.LinkSpec] = []
        for a in names {
            for adjacency in lists[a]! where a < adjacency.neighbor {
                guard let b = index[adjacency.neighbor], lists[adjacency.neighbor]!.contains(where: { $0.neighbor == a }) else { continue }
                links.append(.init(a: index[a]!, b: b, cost: adjacency.cost, capacity: Double(max(1, adjacency.capacityKbps)) / 1000))
            }
        }
        let graph = PathGraph(names: names.map(\.rawValue), links: links,
                              transit: names.map { !(flags[$0] ?? []).contains(.noTransit) })
        let gateways = Set(names.indices.filter {
            let nodeFlags = flags[names[$0]] ?? []
            return nodeFlags.contains(.noTransit) && !nodeFlags.contains(.listenOnly)
        })
        return SchedulingCentre.NetworkView(graph: graph, gateways: gateways)
    }

    /// The SCSC's policy commands: `policy install PREFIX NODE,NODE,...
    /// [LIFETIME_S [INSTANCE]] [class=N]` and `policy withdraw ID`.
    func policyCommand(_ args: [String]) -> Result<JSONValue, ManagementError> {
        guard let centre = schedulingCentre else {
            return .failure(.unknownCommand(args.joined(separator: " "), usage: Self.usage))
        }
        switch args.dropFirst().first {
        case "install"? where args.count >= 4:
            let prefix: ServiceName
            do { prefix = try ServiceName(args[2]) } catch { return .failure(.badArgument("prefix '\(args[2])': \(error)")) }
            var path: [NodeID] = []
            for text in args[3].split(separator: ",") {
                guard let id = try? NodeID(String(text)) else { return .failure(.badArgument("'\(text)' is not a node id")) }
                path.append(id)
            }
            // Then LIFETIME_S and INSTANCE in that order, or key=value words
            // (lifetime=, instance=, class=) in any order.
            var lifetime: Int64?
            var instance: Endpoint?
            var flowClass: UInt8?
            var positional = 0
            for word in args.dropFirst(4) {
                var key = positional == 0 ? "lifetime" : positional == 1 ? "instance" : ""
                var value = word
                if let equals = word.firstIndex(of: "=") {
                    key = String(word[..<equals])
                    value = String(word[word.index(after: equals)...])
                } else {
                    positional += 1
                }
                switch key {
                case "lifetime":
                    guard let seconds = Int64(value), (1...86_400).contains(seconds) else {
                        return .failure(.badArgument("lifetime '\(value)' is not 1 to 86400 seconds"))
                    }
                    lifetime = seconds
                case "instance":
                    do { instance = try TransportAddress(parsing: value).endpoint } catch {
                        return .failure(.badArgument("instance '\(value)': \(error)"))
                    }
                case "class":
                    guard let number = UInt8(value) else { return .failure(.badArgument("class '\(value)' is not 0 to 255")) }
                    flowClass = number
                default:
                    return .failure(.badArgument("'\(word)': expected LIFETIME_S, INSTANCE, lifetime=, instance= or class="))
                }
            }
            switch centre.issue(prefix: prefix, path: path, lifetimeS: lifetime, instance: instance, flowClass: flowClass) {
            case let .failure(error): return .failure(.badArgument(error.text))
            case let .success(issued):
                return .success(.object([
                    "id": .int(Int64(issued.install.policyID)), "version": .int(Int64(issued.install.version)),
                    "sent_to": .array(issued.nodes.filter { centre.nodeSessions[$0] != nil }.map { .string($0.rawValue) }),
                    "not_connected": .array(issued.nodes.filter { centre.nodeSessions[$0] == nil }.map { .string($0.rawValue) }),
                ]))
            }
        case "withdraw"? where args.count == 3:
            guard let id = UInt64(args[2]) else { return .failure(.badArgument("'\(args[2])' is not a policy id")) }
            guard centre.withdraw(id) else { return .failure(.badArgument("no policy \(id)")) }
            return .success(.object(["id": .int(Int64(id)), "withdrawn": .bool(true)]))
        default:
            return .failure(.badArgument("usage: policy install PREFIX NODE,NODE,... [LIFETIME_S [INSTANCE]] [class=N] | policy withdraw ID"))
        }
    }

    /// Installs (or refreshes) a policy from the SCSC; the acknowledgement.
    func installPolicy(_ install: PolicyInstall) -> PolicyAck {
        let outcome = policies.install(install, now: MonotonicClock.now())
        switch outcome {
        case .installed, .refreshed:
            if outcome == .installed {
                logger.info("policy installed", metadata: ["policy": "\(install.policyID)", "version": "\(install.version)",
                                                           "prefix": "\(install.match.prefix)"])
            }
            policiesChanged()
            return PolicyAck(policyID: install.policyID, version: install.version, node: config.nodeID, status: .installed)
        case let .rejected(reason):
            logger.warning("policy rejected", metadata: ["policy": "\(install.policyID)", "reason": "\(reason)"])
            return PolicyAck(policyID: install.policyID, version: install.version, node: config.nodeID, status: .rejected,
                             reasonText: reason)
        }
    }

    /// Republishes the forwarding tables and arms the timer for the next
    /// expiry (so `show policies` and the plane drop a policy on time).
    func policiesChanged() {
        publishForwarding()
        if let policyTimer { loop.cancel(policyTimer) }
        policyTimer = nil
        guard let next = policies.nextExpiry else { return }
        policyTimer = loop.schedule(at: next) { [unowned self] in
            policyTimer = nil
            let gone = policies.expire(now: MonotonicClock.now())
            if !gone.isEmpty {
                logger.notice("policies expired; the FIB decides again", metadata: ["policies": "\(gone)"])
            }
            policiesChanged()
        }
    }

    /// This node's telemetry now: its instances as probed (gateways), and
    /// each link with an up neighbour, its capacity and the load the
    /// forwarding plane sent over it since the last report.
    func telemetry() -> Telemetry {
        let now = MonotonicClock.now()
        let bytes = forwarding?.snapshot.linkBytes ?? [:]
        let elapsed = lastLinkBytes.map { Double(now - $0.at) / 1e9 } ?? 0
        var links: [LinkReport] = []
        let up = Dictionary(node.neighbors.filter { $0.neighbor.state == .up }.map { ($0.link, $0.neighbor.id) },
                            uniquingKeysWith: { first, _ in first })
        for link in config.links {
            guard let neighbor = up[link.id] else { continue }
            let sent = (bytes[link.id] ?? 0) - min(bytes[link.id] ?? 0, lastLinkBytes?.bytes[link.id] ?? 0)
            let kbps = elapsed > 0 ? UInt64(Double(sent) * 8 / 1000 / elapsed) : 0
            links.append(LinkReport(neighbor: neighbor, linkID: link.id, loadKbps: kbps, capacityKbps: link.capacityMbps * 1000))
        }
        lastLinkBytes = (now, bytes)
        return Telemetry(reporter: config.nodeID, timestampMs: WallClock.nanoseconds() / 1_000_000,
                         instances: (forwarding?.instances ?? []).map(\.report), links: links)
    }
}
