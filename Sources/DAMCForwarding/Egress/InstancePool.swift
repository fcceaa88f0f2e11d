import DAMCTopology
import DAMCWire

/// The instances of a gateway, their health and the balancing rule
/// (docs/forwarding.md §egress). Sans-I/O: probe outcomes, call outcomes
/// and the clock come in as calls; the runtime does the probing.
///
/// Balancing is power of two choices (Mitzenmacher 2001, as Linkerd and
/// Envoy's least-request use it): two healthy candidates are drawn with
/// probability proportional to their weight, and the one with fewer
/// outstanding calls per unit of weight wins; on a tie the first drawn
/// wins unless the other's probe RTT is under half of its. It needs no
/// global scan and avoids herding on one instance.
public struct InstancePool: Sendable {
    public private(set) var instances: [Instance] = []
    /// Health checks as configured (`forwarding.health`, docs/config.md):
    /// `fall` failures in a row eject, `rise` successes restore.
    public var policy: ForwardingSettings.Health

    /// How many recent probes the loss figure covers.
    public static let lossWindow = 20

    public init(policy: ForwardingSettings.Health = ForwardingSettings.Health()) {
        self.policy = policy
    }

    /// What identifies an instance: its prefix and endpoint.
    public struct Key: Hashable, Sendable {
        public var prefix: ServiceName
        public var endpoint: Endpoint
        public init(prefix: ServiceName, endpoint: Endpoint) {
            self.prefix = prefix
            self.endpoint = endpoint
        }
    }

    /// Makes the pool hold exactly these registrations, keeping the state
    /// of those it already had (a re-announce does not reset health).
    public mutating func sync(_ registrations: [(prefix: ServiceName, pod: PodID?, endpoint: Endpoint, weight: UInt16)]) {
        var next: [Instance] = []
        for registration in registrations {
            let key = Key(prefix: registration.prefix, endpoint: registration.endpoint)
            if next.contains(where: { Key(prefix: $0.prefix, endpoint: $0.endpoint) == key }) { continue }
            if var existing = instances.first(where: { Key(prefix: $0.prefix, endpoint: $0.endpoint) == key }) {
                existing.weight = max(registration.weight, 1)
                existing.pod = registration.pod
                next.append(existing)
            } else {
                next.append(Instance(prefix: registration.prefix, pod: registration.pod,
                                     endpoint: registration.endpoint, weight: registration.weight))
            }
        }
        instances = next
    }

    func index(_ key: Key) -> Int? {
        instances.firstIndex { $0.prefix == key.prefix && $0.endpoint == key.endpoint }
    }

    /// Every distinct endpoint, for the prober (one probe per endpoint even
    /// when it serves several prefixes).
    public var endpoints: [Endpoint] {
        var seen = Set<Endpoint>()
        return instances.compactMap { seen.insert($0.endpoint).inserted ? $0.endpoint : nil }
    }

    /// Records a probe of `endpoint`: `rttMicros` on success, nil on failure.
    /// Returns whether any instance changed health.
    @discardableResult
    public mutating func probed(_ endpoint: Endpoint, rttMicros: Double?, now: Int64) -> Bool {
        var changed = false
        for i in instances.indices where instances[i].endpoint == endpoint {
            instances[i].probes += 1
            instances[i].recentProbes.append(rttMicros != nil)
            if instances[i].recentProbes.count > Self.lossWindow { instances[i].recentProbes.removeFirst() }
            if let rtt = rttMicros {
                instances[i].rttMicros = instances[i].rttMicros.map { $0 + (rtt - $0) / 4 } ?? rtt
                instances[i].consecutiveFailures = 0
                instances[i].consecutiveSuccesses += 1
                if !instances[i].healthy && instances[i].consecutiveSuccesses >= policy.rise {
                    instances[i].healthy = true
                    instances[i].ejectedBecause = nil
                    instances[i].changedAt = now
                    changed = true
                }
            } else {
                instances[i].probeFailures += 1
                instances[i].consecutiveSuccesses = 0
                instances[i].consecutiveFailures += 1
                if instances[i].healthy && instances[i].consecutiveFailures >= policy.fall {
                    instances[i].healthy = false
                    instances[i].ejectedBecause = "\(instances[i].consecutiveFailures) probes failed"
                    instances[i].changedAt = now
                    changed = true
                }
            }
        }
        return changed
    }

    /// Passive evidence from a call: the instance refused or reset the
    /// connection. It is ejected at once; probes restore it.
    @discardableResult
    public mutating func failed(_ endpoint: Endpoint, because reason: String, now: Int64) -> Bool {
        var changed = false
        for i in instances.indices where instances[i].endpoint == endpoint {
            instances[i].passiveFailures += 1
            instances[i].consecutiveSuccesses = 0
            if instances[i].healthy {
                instances[i].healthy = false
                instances[i].ejectedBecause = reason
                instances[i].changedAt = now
                changed = true
            }
        }
        return changed
    }

    /// Chooses an instance for a call matched on `prefix`, skipping
    /// `excluded` endpoints (those already tried for this call): the
    /// `preferred` one when it is a healthy candidate (the target instance
    /// of a QoS policy), else by the balancing rule. `random` supplies two
    /// independent draws. Counts the call as outstanding.
    public mutating func choose(for prefix: ServiceName, excluding excluded: [Endpoint] = [], preferring preferred: Endpoint? = nil,
                                random: (UInt64, UInt64)) -> Endpoint? {
        let candidates = instances.indices.filter {
            instances[$0].prefix == prefix && instances[$0].healthy && !excluded.contains(instances[$0].endpoint)
        }
        guard !candidates.isEmpty else { return nil }
        let chosen: Int
        if let preferred, let index = candidates.first(where: { instances[$0].endpoint == preferred }) {
            chosen = index
        } else if candidates.count == 1 {
            chosen = candidates[0]
        } else {
            let total = candidates.reduce(UInt64(0)) { $0 + UInt64(instances[$1].weight) }
            func draw(_ value: UInt64) -> Int {
                var point = value % total
                for index in candidates {
                    let weight = UInt64(instances[index].weight)
                    if point < weight { return index }
                    point -= weight
                }
                return candidates[candidates.count - 1]
            }
            let a = draw(random.0)
            var b = draw(random.1)
            if b == a { b = candidates[(candidates.firstIndex(of: a)! + 1) % candidates.count] }
            chosen = better(a, b)
        }
        instances[chosen].outstanding += 1
        instances[chosen].calls += 1
        return instances[chosen].endpoint
    }

    /// Of two instances, the one with fewer outstanding calls per unit of
    /// weight; on a tie the first drawn (so idle instances share calls in
    /// proportion to their weights), unless the second's probe RTT is
    /// clearly lower (under half).
    func better(_ a: Int, _ b: Int) -> Int {
        let left = instances[a].outstanding * Int(instances[b].weight)
        let right = instances[b].outstanding * Int(instances[a].weight)
        if left != right { return left < right ? a : b }
        if let rttA = instances[a].rttMicros, let rttB = instances[b].rttMicros, rttB * 2 < rttA { return b }
        return a
    }

    /// A call chosen by `choose` ended.
    public mutating func finished(_ endpoint: Endpoint, prefix: ServiceName) {
        guard let i = index(Key(prefix: prefix, endpoint: endpoint)) else { return }
        instances[i].outstanding = max(0, instances[i].outstanding - 1)
    }

    /// Whether any healthy instance serves `prefix`.
    public func hasHealthy(_ prefix: ServiceName) -> Bool {
        instances.contains { $0.prefix == prefix && $0.healthy }
    }
}
