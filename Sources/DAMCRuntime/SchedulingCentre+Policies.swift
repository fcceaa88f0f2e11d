import DAMCTopology
import DAMCWire

/// Policies down (draft-li-icnrg-damc §6 item 4; RFC 8735 §6;
/// docs/scheduling.md §policies): the centre sends a policy to every node
/// on its path, keeps each node's acknowledgement, refreshes it well before
/// its lifetime ends, and withdraws it on request. A policy is checked
/// against the LSDB first: every node must exist and each hop must be a
/// link both ends report, so no node is ever asked to carry a path that
/// does not exist.
extension SchedulingCentre {
    /// One policy this centre issued.
    struct Issued {
        var install: PolicyInstall
        /// The nodes it goes to (the path's, in order).
        var nodes: [NodeID]
        /// Each node's answer to the current version: installed, or the reason it refused.
        var acks: [NodeID: (status: PolicyStatus, reason: String?)] = [:]
        var issuedAt: Int64
        /// Why: an operator asked, or the condition that broke.
        var reason: String
    }

    /// Why a path cannot be used on `view`, or nil.
    func pathProblem(_ path: [NodeID], in view: NetworkView) -> String? {
        guard path.count >= 2 else { return "a path needs at least two nodes" }
        guard path.count <= Limits.maxPathHops else { return "a path has at most \(Limits.maxPathHops) nodes" }
        guard Set(path).count == path.count else { return "the path visits a node twice" }
        // The graph's links are those both ends report (the two-way check).
        let graph = view.graph
        var indices: [Int] = []
        for id in path {
            guard let index = graph.node(id.rawValue) else { return "\(id) is not in this centre's LSDB" }
            indices.append(index)
        }
        for (a, b) in zip(indices, indices.dropFirst()) where !graph.outgoing(a).contains(where: { graph.arcs[$0].to == b }) {
            return "\(graph.names[a]) and \(graph.names[b]) do not both report a link to each other"
        }
        return nil
    }

    /// Issues a policy steering calls to `prefix` along `path` (and, when
    /// the path ends at a gateway, to that gateway, and to `instance`
    /// there if given).
    func issue(prefix: ServiceName, path: [NodeID], lifetimeS: Int64?, instance: Endpoint? = nil, flowClass: UInt8? = nil,
               reason: String = "operator") -> Result<Issued, PolicyError> {
        let view = networkView()
        if let problem = pathProblem(path, in: view) {
            count("policies_refused")
            return .failure(PolicyError(text: problem))
        }
        let endsAtGateway = path.last.flatMap { view.graph.node($0.rawValue) }.map { view.gateways.contains($0) } ?? false
        if instance != nil && !endsAtGateway {
            count("policies_refused")
            return .failure(PolicyError(text: "a target instance needs a path that ends at a gateway"))
        }
        let id = nextPolicyID
        nextPolicyID += 1
        // A path that ends at a gateway pins the call to it there; one that
        // ends at a router hands the call to the FIB where it ends.
        let install = PolicyInstall(policyID: id, version: 1, issuer: node, match: PolicyMatch(prefix: prefix, flowClass: flowClass),
                                    action: PolicyAction(path: ExplicitPath(hops: path), targetGateway: endsAtGateway ? path.last : nil,
                                                         targetInstance: instance),
                                    lifetimeSeconds: UInt32(lifetimeS ?? settings.policyLifetimeS))
        let issued = Issued(install: install, nodes: path, issuedAt: MonotonicClock.now(), reason: reason)
        policies[id] = issued
        count("policies_issued")
        logger.info("policy issued", metadata: ["policy": "\(id)", "prefix": "\(prefix)",
                                                "path": "\(path.map(\.rawValue).joined(separator: "-"))"])
        send(id)
        armRefresh()
        return .success(issued)
    }

    /// Sends policy `id` (its current version) to every node on its path
    /// that has a session; the nodes without one are left out this round.
    func send(_ id: UInt64) {
        guard let issued = policies[id] else { return }
        for target in issued.nodes {
            guard let session = nodeSessions[target] else { continue }
            session.send(.policyInstall(issued.install))
            count("installs_sent")
        }
    }

    /// Refreshes every policy every `refresh_s` (a third of the default
    /// lifetime), also reaching nodes that reconnected since.
    func armRefresh() {
        guard refreshTimer == nil, !policies.isEmpty else { return }
        refreshTimer = loop.schedule(after: .seconds(settings.refreshS)) { [unowned self] in
            refreshTimer = nil
            for id in policies.keys.sorted() { send(id) }
            count("refreshes")
            armRefresh()
        }
    }

    /// Withdraws policy `id` from the nodes of its path.
    func withdraw(_ id: UInt64) -> Bool {
        guard let issued = policies.removeValue(forKey: id) else { return false }
        let message = PolicyWithdraw(policyID: id, version: issued.install.version, issuer: node)
        for target in issued.nodes { nodeSessions[target]?.send(.policyWithdraw(message)) }
        count("policies_withdrawn")
        logger.info("policy withdrawn", metadata: ["policy": "\(id)"])
        return true
    }

    /// A node's answer to an install.
    func acknowledge(_ ack: PolicyAck, from peer: String?) {
        guard peer == ack.node.rawValue else {
            count("acks_wrong_node")
            logger.warning("acknowledgement refused", metadata: ["peer": "\(peer ?? "-")", "names": "\(ack.node)"])
            return
        }
        guard let issued = policies[ack.policyID], issued.install.version == ack.version, issued.nodes.contains(ack.node) else {
            count("acks_unknown")
            logger.warning("acknowledgement for a policy or version not issued",
                           metadata: ["node": "\(ack.node)", "policy": "\(ack.policyID)", "version": "\(ack.version)"])
            return
        }
        count("acks_received")
        policies[ack.policyID]?.acks[ack.node] = (ack.status, ack.reasonText)
        if ack.status == .rejected {
            logger.warning("policy rejected by a node", metadata: ["node": "\(ack.node)", "policy": "\(ack.policyID)",
                                                                  "reason": "\(ack.reasonText ?? "-")"])
        }
    }

    /// `show issued`: the policies this centre issued, with each node's answer.
    func showIssued() -> JSONValue {
        let now = MonotonicClock.now()
        let rows = policies.values.sorted { $0.install.policyID < $1.install.policyID }.map { issued -> JSONValue in
            .object([
                "id": .int(Int64(issued.install.policyID)), "version": .int(Int64(issued.install.version)),
                "prefix": .string(issued.install.match.prefix.description),
                "path": .array(issued.nodes.map { .string($0.rawValue) }),
                "lifetime_s": .int(Int64(issued.install.lifetimeSeconds)),
                "age_ms": .int((now - issued.issuedAt) / 1_000_000), "reason": .string(issued.reason),
                "flow_class": issued.install.match.flowClass.map { .int(Int64($0)) } ?? .null,
                "target_instance": issued.install.action.targetInstance.map { .string($0.description) } ?? .null,
                "nodes": .array(issued.nodes.map { target in
                    let ack = issued.acks[target]
                    return .object([
                        "node": .string(target.rawValue), "connected": .bool(nodeSessions[target] != nil),
                        "status": ack.map { .string($0.status == .installed ? "installed" : "rejected") } ?? .string("pending"),
                        "reason": ack?.reason.map { .string($0) } ?? .null,
                    ])
                }),
            ])
        }
        return .object(["node": .string(node.rawValue), "policies": .array(rows)])
    }
}

/// Why the centre would not issue a policy.
struct PolicyError: Error {
    let text: String
}
