import DAMCForwarding
import DAMCRouting
import DAMCTopology
import DAMCWire

/// The routing daemon's side of the forwarding plane (docs/forwarding.md):
/// start it, hand it the FIB and the instances whenever they change, and
/// answer `show instances`, `show flows` and `trace`.
extension RoutingDaemon {
    func startForwarding() throws(SystemError) {
        let poster = loop.poster
        let plane = ForwardingPlane(node: config.nodeID, role: config.role, settings: config.forwarding, logger: logger) {
            poster.post { SystemdNotifier.notify("STATUS=instance health changed") }
        }
        try plane.start(links: config.links)
        forwarding = plane
        publishForwarding()
    }

    /// Gives new calls the current FIB and alternates.
    func publishForwarding() {
        guard let forwarding else { return }
        publishedGeneration = node.ribGeneration
        policies.expire(now: MonotonicClock.now())
        var links: [NodeID: [LinkID]] = [:]
        for (link, neighbor) in node.neighbors where neighbor.state == .up { links[neighbor.id, default: []].append(link) }
        forwarding.publish(ForwardingTable(node: config.nodeID, fib: node.fib, nodes: node.lastSPF?.nextHops ?? [:],
                                           alternates: node.rib.alternates.mapValues(\.origins), policies: policies,
                                           links: links))
    }

    /// Gives the forwarding plane the configured instances and the pods' registered ones.
    func syncInstances() {
        var instances: [(prefix: ServiceName, pod: PodID?, endpoint: Endpoint, weight: UInt16)] = []
        for service in config.services {
            for endpoint in service.endpoints { instances.append((service.prefix, service.pod, endpoint, service.weight)) }
        }
        instances += registrations.map { ($0.prefix, $0.pod, $0.endpoint, $0.weight) }
        forwarding?.setInstances(instances)
    }

    /// Commands answered off the event loop: `trace NAME` waits on other hops.
    func deferredCommand(_ args: [String], respond: @escaping (Result<JSONValue, ManagementError>) -> Void) -> Bool {
        guard args.count == 2, args[0] == "trace", let forwarding else { return false }
        let name: ServiceName
        do { name = try ServiceName(args[1]) } catch {
            respond(.failure(.badArgument("trace: '\(args[1])' is not a service name: \(error)")))
            return true
        }
        let poster = loop.poster
        let node = config.nodeID
        let hopLimit = UInt8(config.forwarding.hopLimit)
        let box = ResponderBox(respond)
        let started = ForwardingThread.spawn {
            let reply = forwarding.trace(name, hopLimit: hopLimit, flowID: UInt64.random(in: 1...UInt64.max))
            let json = Self.traceJSON(reply, name: name, node: node)
            poster.post { box.respond(.success(json)) }
        }
        if !started { respond(.failure(.badArgument("trace: no thread available, try again"))) }
        return true
    }

    /// Carries a non-Sendable responder to the loop thread, where alone it runs.
    final class ResponderBox: @unchecked Sendable {
        let respond: (Result<JSONValue, ManagementError>) -> Void
        init(_ respond: @escaping (Result<JSONValue, ManagementError>) -> Void) { self.respond = respond }
    }

    static func traceJSON(_ reply: ForwardReply, name: ServiceName, node: NodeID) -> JSONValue {
        .object([
            "node": .string(node.rawValue),
            "name": .string(name.description),
            "status": .string(reply.status == .connected ? "reachable" : "failed"),
            "answered_by": .string(reply.node.rawValue),
            "reason": reply.reason.map { .string($0.description) } ?? .null,
            "reason_text": reply.reasonText.map { .string($0) } ?? .null,
            "hops": .array(reply.trace.map { hop in
                .object([
                    "node": .string(hop.node.rawValue),
                    "matched": hop.matched.map { .string($0.description) } ?? .null,
                    "policy": hop.policyID.map { .int($0) } ?? .null,
                    "next": hop.nextNode.map { .string($0.rawValue) } ?? .null,
                    "instance": hop.instance.map { .string($0.description) } ?? .null,
                ])
            }),
        ])
    }

    func showInstances() -> JSONValue {
        let rows = (forwarding?.instances ?? []).map { instance -> JSONValue in
            .object([
                "prefix": .string(instance.prefix.description),
                "pod": instance.pod.map { .string($0.rawValue) } ?? .null,
                "endpoint": .string(instance.endpoint.description),
                "weight": .int(instance.weight),
                "state": .string(instance.healthy ? "healthy" : "ejected"),
                "ejected_because": instance.ejectedBecause.map { .string($0) } ?? .null,
                "outstanding": .int(instance.outstanding),
                "calls": .int(instance.calls),
                "rtt_us": instance.rttMicros.map { .int(Int64($0)) } ?? .null,
                "loss_ppm": .int(instance.lossPPM),
                "probes": .int(instance.probes),
                "probe_failures": .int(instance.probeFailures),
                "passive_failures": .int(instance.passiveFailures),
            ])
        }
        return .object(["node": .string(config.nodeID.rawValue), "instances": .array(rows)])
    }

    func showFlows() -> JSONValue {
        let snapshot = forwarding?.snapshot ?? ForwardingCounters()
        let rows = snapshot.flows.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { hop, count -> JSONValue in
            .object(["next_hop": .string(hop), "active_calls": .int(count)])
        }
        return .object(["node": .string(config.nodeID.rawValue), "active_calls": .int(forwarding?.activeCalls ?? 0),
                        "flows": .array(rows)])
    }

    /// The QoS policies this node holds (every role; issue 8).
    func showPolicies() -> JSONValue {
        let now = MonotonicClock.now()
        let rows = policies.entries.values.sorted { $0.id < $1.id }.map { entry -> JSONValue in
            .object([
                "id": .int(Int64(entry.id)), "version": .int(Int64(entry.version)), "issuer": .string(entry.issuer.rawValue),
                "prefix": .string(entry.match.prefix.description),
                "flow_class": entry.match.flowClass.map { .int(Int64($0)) } ?? .null,
                "path": entry.action.path.map { .array($0.hops.map { .string($0.rawValue) }) } ?? .null,
                "target_gateway": entry.action.targetGateway.map { .string($0.rawValue) } ?? .null,
                "target_instance": entry.action.targetInstance.map { .string($0.description) } ?? .null,
                "lifetime_s": .int(Int64(entry.lifetimeSeconds)),
                "remaining_ms": .int(max(0, (entry.expiresAt - now) / 1_000_000)),
            ])
        }
        return .object([
            "node": .string(config.nodeID.rawValue), "policies": .array(rows),
            "installs": .int(Int64(policies.installs)), "refreshes": .int(Int64(policies.refreshes)),
            "rejections": .int(Int64(policies.rejections)), "withdrawals": .int(Int64(policies.withdrawals)),
            "expiries": .int(Int64(policies.expiries)),
        ])
    }

    /// The forwarding plane's counters, for `show counters`.
    var forwardingCounters: JSONValue {
        .object((forwarding?.snapshot.values ?? [:]).mapValues { .int($0) })
    }
}
