import DAMCPath
import DAMCTopology
import DAMCWire

/// Preset conditions and CCDR (docs/scheduling.md §conditions; RFC 8735
/// §4): after telemetry arrives, the centre checks every gateway's
/// instances against the limits of their prefixes and every link against
/// the congestion threshold. Where routing would send an ingress
/// gateway's calls to a gateway whose instances break the conditions, or
/// over a congested link, it computes a CCDR path to the nearest gateway
/// that meets them, on the LSDB's graph with the reported loads, off the
/// event loop, and issues a policy; when the condition clears, it
/// withdraws it.
extension SchedulingCentre {
    /// What routing looks like to the centre: the graph from the LSDB and
    /// which of its nodes are gateways.
    struct NetworkView: Sendable {
        var graph: PathGraph
        var gateways: Set<Int>
    }

    /// Everything a computation needs, copied off the loop.
    struct Inputs: Sendable {
        var view: NetworkView
        var load: NetworkLoad
        /// Per prefix, the gateways that report instances of it, and
        /// whether one of them meets the conditions (with why not).
        var serving: [ServiceName: [Steering.Server]]
        /// Per prefix and gateway, its best instance that meets the
        /// conditions (the lowest RTT): a policy's target instance.
        var best: [ServiceName: [String: Endpoint]]
        var threshold: Double
    }

    /// Schedules an evaluation soon (telemetry comes in bursts: one
    /// computation for all of them).
    func conditionsMayHaveChanged() {
        guard evaluationTimer == nil, !evaluating else { return }
        evaluationTimer = loop.schedule(after: .milliseconds(200)) { [unowned self] in
            evaluationTimer = nil
            evaluate()
        }
    }

    /// The inputs from the reports now, or nil when the graph is empty.
    func inputs() -> Inputs? {
        let view = networkView()
        guard view.graph.nodeCount > 0 else { return nil }
        var load = NetworkLoad(graph: view.graph)
        var serving: [ServiceName: [Steering.Server]] = [:]
        var best: [ServiceName: [String: Endpoint]] = [:]
        for report in reports.values {
            guard let from = view.graph.node(report.telemetry.reporter.rawValue) else { continue }
            for link in report.telemetry.links {
                guard let to = view.graph.node(link.neighbor.rawValue),
                      let arc = view.graph.outgoing(from).first(where: { view.graph.arcs[$0].to == to }) else { continue }
                load.set(arc, load.load[arc] + Double(link.loadKbps) / 1000)
            }
            var byPrefix: [ServiceName: [InstanceReport]] = [:]
            for instance in report.telemetry.instances { byPrefix[instance.prefix, default: []].append(instance) }
            for (prefix, instances) in byPrefix {
                let limits = settings.conditions.limits(for: prefix)
                let problems = instances.map { Self.problem(with: $0, limits: limits) }
                let fine = zip(instances, problems).filter { $0.1 == nil }.map(\.0)
                serving[prefix, default: []].append(Steering.Server(gateway: from, ok: !fine.isEmpty,
                                                                    why: problems.compactMap { $0 }.joined(separator: "; ")))
                if let fastest = fine.min(by: { ($0.rttMicros ?? .max) < ($1.rttMicros ?? .max) }) {
                    best[prefix, default: [:]][report.telemetry.reporter.rawValue] = fastest.endpoint
                }
            }
        }
        return Inputs(view: view, load: steeringLoad(load, graph: view.graph), serving: serving, best: best,
                      threshold: settings.conditions.congestion)
    }

    /// Why `instance` breaks the conditions, or nil when it meets them.
    static func problem(with instance: InstanceReport, limits: (rttMs: Int64, lossPPM: Int64)) -> String? {
        if !instance.available { return "\(instance.endpoint) is down" }
        if let rtt = instance.rttMicros, Int64(rtt) > limits.rttMs * 1000 {
            return "\(instance.endpoint) answers in \(rtt / 1000) ms, over \(limits.rttMs) ms"
        }
        if Int64(instance.lossPPM) > limits.lossPPM {
            return "\(instance.endpoint) loses \(instance.lossPPM) ppm, over \(limits.lossPPM)"
        }
        return nil
    }

    /// The loads steering decides on: a call's response comes back over the
    /// reverse arcs, so each link counts with its busier direction; and a
    /// link found past the threshold stays congested until it falls 10
    /// points under it (hysteresis, so that a policy does not come and go
    /// with every report).
    func steeringLoad(_ reported: NetworkLoad, graph: PathGraph) -> NetworkLoad {
        let threshold = settings.conditions.congestion
        var load = reported
        var seen: Set<String> = []
        for arc in graph.arcs.indices {
            let busier = max(reported.load[arc], reported.load[arc ^ 1])
            load.set(arc, busier)
            let key = "\(graph.names[graph.arcs[arc].from])>\(graph.names[graph.arcs[arc].to])"
            seen.insert(key)
            let utilisation = busier / graph.arcs[arc].capacity
            if utilisation > threshold + CCDR.epsilon {
                if congestedLinks.insert(key).inserted {
                    logger.notice("link past the congestion threshold", metadata: ["link": "\(key)",
                                                                                 "utilisation": "\(utilisation)"])
                }
            } else if utilisation < threshold - 0.1, congestedLinks.remove(key) != nil {
                logger.notice("link back under the congestion threshold", metadata: ["link": "\(key)"])
            }
            if congestedLinks.contains(key) {
                load.set(arc, max(busier, (threshold + 0.001) * graph.arcs[arc].capacity))
            }
        }
        congestedLinks.formIntersection(seen)
        return load
    }

    /// Runs the computation on a worker thread and applies its result on
    /// the loop.
    func evaluate() {
        guard let inputs = inputs() else { return }
        evaluating = true
        count("evaluations")
        let poster = loop.poster
        let centre = UncheckedReference(self)
        let started = ForwardingThread.spawn {
            let decisions = Self.decide(inputs)
            poster.post {
                centre.value.evaluating = false
                centre.value.reconcile(decisions, names: inputs.view.graph.names, best: inputs.best)
            }
        }
        if !started {
            evaluating = false
            reconcile(Self.decide(inputs), names: inputs.view.graph.names, best: inputs.best)
        }
    }

    /// The steering the conditions call for (pure: runs off the loop).
    static func decide(_ inputs: Inputs) -> [Steering.Decision] {
        Steering.decide(graph: inputs.view.graph, load: inputs.load, ingresses: Array(inputs.view.gateways),
                        serving: inputs.serving, threshold: inputs.threshold)
    }

    /// Issues what is newly called for, replaces what changed, withdraws
    /// what is no longer needed.
    ///
    /// A policy whose condition cleared is withdrawn only after it stayed
    /// clear for `hold_s` (a hold-down, as route dampening): steering the
    /// calls away is what clears a congested link, and withdrawing at once
    /// would bring them straight back.
    func reconcile(_ decisions: [Steering.Decision], names: [String], best: [ServiceName: [String: Endpoint]] = [:]) {
        let now = MonotonicClock.now()
        var wanted: [String: (prefix: ServiceName, path: [NodeID], instance: Endpoint?, reason: String)] = [:]
        for decision in decisions {
            let path = decision.path.compactMap { try? NodeID(names[$0]) }
            guard path.count == decision.path.count, let ingress = path.first, let target = path.last else { continue }
            wanted["\(ingress) \(decision.prefix)"] = (decision.prefix, path, best[decision.prefix]?[target.rawValue], decision.reason)
        }
        for (key, id) in automatic {
            guard let issued = policies[id] else { automatic[key] = nil; clearedSince[key] = nil; continue }
            if let item = wanted[key], item.path == issued.nodes {
                wanted[key] = nil
                clearedSince[key] = nil
                continue
            }
            if wanted[key] == nil {
                let since = clearedSince[key] ?? now
                clearedSince[key] = since
                guard now - since >= settings.conditions.holdS * 1_000_000_000 else { continue }
                logger.notice("condition cleared; policy withdrawn", metadata: ["policy": "\(id)", "for": "\(key)"])
            }
            _ = withdraw(id)
            automatic[key] = nil
            clearedSince[key] = nil
        }
        for (key, item) in wanted.sorted(by: { $0.key < $1.key }) {
            if case let .success(issued) = issue(prefix: item.prefix, path: item.path, lifetimeS: nil, instance: item.instance,
                                                 reason: item.reason) {
                automatic[key] = issued.install.policyID
                logger.notice("condition broken; policy issued", metadata: ["policy": "\(issued.install.policyID)",
                                                                           "for": "\(key)", "reason": "\(item.reason)"])
            }
        }
    }
}

/// A reference handed to a worker thread and back to the loop that owns
/// it; only the loop thread touches the object.
struct UncheckedReference<T: AnyObject>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
