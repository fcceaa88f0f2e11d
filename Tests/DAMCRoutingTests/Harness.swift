import DAMCRouting
import DAMCWire

/// Drives two or three engines by hand, delivering datagrams between them
/// on demand, for unit tests of the state machines.
struct Pair {
    var a: RoutingNode
    var b: RoutingNode
    var now = Instant.zero
    /// Datagrams in flight: (to a?, bytes).
    var inFlight: [(toA: Bool, bytes: [UInt8])] = []

    init(aRole: NodeRole = .router, bRole: NodeRole = .router, configure: (inout RoutingConfig) -> Void = { _ in }) {
        var configA = RoutingConfig(nodeID: try! NodeID("a"), role: aRole)
        var configB = RoutingConfig(nodeID: try! NodeID("b"), role: bRole)
        // Unit tests step through a few seconds; keep RFC 8405's long wait short.
        configA.spfThrottle.longDelay = .milliseconds(300)
        configB.spfThrottle.longDelay = .milliseconds(300)
        configure(&configA)
        configure(&configB)
        a = RoutingNode(config: configA)
        b = RoutingNode(config: configB)
    }

    mutating func collect(_ actions: [RoutingAction], fromA: Bool) {
        for case let .send(_, bytes) in actions { inFlight.append((!fromA, bytes)) }
    }

    mutating func toA(_ event: RoutingEvent) { collect(a.handle(event, now: now), fromA: true) }
    mutating func toB(_ event: RoutingEvent) { collect(b.handle(event, now: now), fromA: false) }

    /// Delivers everything in flight (and what that produces) until quiet,
    /// dropping datagrams for which `drop` says so.
    mutating func deliverAll(drop: ([UInt8]) -> Bool = { _ in false }) {
        var rounds = 0
        while !inFlight.isEmpty && rounds < 10_000 {
            rounds += 1
            let (toA, bytes) = inFlight.removeFirst()
            if drop(bytes) { continue }
            if toA { self.toA(.received(1, bytes)) } else { self.toB(.received(1, bytes)) }
        }
    }

    /// Advances time in steps, ticking both engines and delivering.
    mutating func advance(_ duration: Duration, step: Duration = .milliseconds(10),
                          drop: ([UInt8]) -> Bool = { _ in false }) {
        let end = now + duration
        while now < end {
            now = now + step
            toA(.tick)
            toB(.tick)
            deliverAll(drop: drop)
        }
    }

    mutating func connect(cost: UInt32 = 10) {
        toA(.linkUp(1, LinkParameters(cost: cost, capacityKbps: 1_000_000)))
        toB(.linkUp(1, LinkParameters(cost: cost, capacityKbps: 1_000_000)))
        deliverAll()
    }
}

extension ServiceName {
    static func make(_ text: String) -> ServiceName { try! ServiceName(text) }
}
