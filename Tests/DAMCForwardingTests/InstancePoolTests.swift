import DAMCForwarding
import DAMCTopology
import DAMCWire
import Testing

@Suite("Instances: health and balancing")
struct InstancePoolTests {
    static let b = try! ServiceName("/B")
    static func endpoint(_ port: UInt16) -> Endpoint { Endpoint(address: .v4(127, 0, 0, 1), port: port) }

    static func pool(weights: [UInt16] = [100, 100]) -> InstancePool {
        var health = ForwardingSettings.Health()
        health.fall = 3
        health.rise = 2
        var pool = InstancePool(policy: health)
        pool.sync(weights.enumerated().map { (b, nil, endpoint(UInt16(9000 + $0.offset)), $0.element) })
        return pool
    }

    @Test("ejected after fall failures in a row, restored after rise successes")
    func fallRise() {
        var pool = Self.pool()
        let first = Self.endpoint(9000)
        pool.probed(first, rttMicros: nil, now: 1)
        pool.probed(first, rttMicros: 100, now: 2)   // resets the run
        pool.probed(first, rttMicros: nil, now: 3)
        pool.probed(first, rttMicros: nil, now: 4)
        #expect(pool.instances[0].healthy)
        let ejected = pool.probed(first, rttMicros: nil, now: 5)
        #expect(ejected)
        #expect(!pool.instances[0].healthy)
        #expect(pool.instances[0].lossPPM == 800_000)
        let notYet = pool.probed(first, rttMicros: 50, now: 6)
        #expect(!notYet)
        let restored = pool.probed(first, rttMicros: 50, now: 7)
        #expect(restored)
        #expect(pool.instances[0].healthy)
    }

    @Test("passive failure ejects at once; the call goes to the other instance")
    func passive() {
        var pool = Self.pool()
        let changed = pool.failed(Self.endpoint(9000), because: "connection refused", now: 1)
        #expect(changed)
        for draw in 0..<100 as Range<UInt64> {
            let chosen = pool.choose(for: Self.b, random: (draw, draw &* 7))
            #expect(chosen == Self.endpoint(9001))
        }
        pool.failed(Self.endpoint(9001), because: "reset", now: 2)
        let none = pool.choose(for: Self.b, random: (1, 2))
        #expect(none == nil)
        #expect(!pool.hasHealthy(Self.b))
    }

    @Test("weights share calls; outstanding calls steer away")
    func balancing() {
        var pool = Self.pool(weights: [300, 100])
        var rng = SystemRandomNumberGenerator()
        var counts: [UInt16: Int] = [:]
        for _ in 0..<4000 {
            let chosen = pool.choose(for: Self.b, random: (rng.next(), rng.next()))!
            counts[chosen.port, default: 0] += 1
            pool.finished(chosen, prefix: Self.b)
        }
        // 3:1 by weight, give or take chance.
        #expect((counts[9000] ?? 0) > 2 * (counts[9001] ?? 0))
        #expect((counts[9001] ?? 0) > 400)
        // One instance stuck with many calls in progress gets none of the next ones.
        var busy = Self.pool()
        for _ in 0..<50 { _ = busy.choose(for: Self.b, excluding: [Self.endpoint(9001)], random: (1, 2)) }
        for draw in 0..<50 as Range<UInt64> {
            let chosen = busy.choose(for: Self.b, random: (draw, draw + 1))!
            #expect(chosen == Self.endpoint(9001))
            busy.finished(chosen, prefix: Self.b)
        }
    }

    @Test("re-syncing keeps health state; removed instances go")
    func sync() {
        var pool = Self.pool()
        pool.failed(Self.endpoint(9000), because: "refused", now: 1)
        pool.sync([(Self.b, nil, Self.endpoint(9000), 50)])
        #expect(pool.instances.count == 1)
        #expect(!pool.instances[0].healthy)
        #expect(pool.instances[0].weight == 50)
        #expect(pool.instances[0].report.available == false)
    }
}
