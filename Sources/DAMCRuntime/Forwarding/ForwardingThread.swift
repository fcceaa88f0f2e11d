import CLinuxEvents
import DAMCForwarding

/// Detached threads for the forwarding plane (DESIGN.md §2: the
/// forwarding plane may use its own threads). Each call runs on one
/// thread with blocking-style code over non-blocking sockets and poll(2),
/// so a slow call never holds up the routing daemon's event loop.
enum ForwardingThread {
    /// Stack per thread: calls use little stack, and hundreds may run at once.
    static let stackBytes: UInt = 256 * 1024

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    /// Runs `body` on a new detached thread; false if the system refused one.
    static func spawn(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        let status = damc_spawn_thread({ raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        }, box, stackBytes)
        if status != 0 { Unmanaged<Box>.fromOpaque(box).release() }
        return status == 0
    }
}

/// Flow ids for calls: a SplitMix64 sequence from a random seed, under a
/// short lock (no system call per call, as `SystemRandomNumberGenerator`
/// makes).
enum FlowID {
    private static let seed = PlaneLock<UInt64>(UInt64.random(in: 1...UInt64.max))

    /// A fresh non-zero flow id.
    static func next() -> UInt64 {
        let value = seed.withLock { state -> UInt64 in
            state &+= 0x9e37_79b9_7f4a_7c15
            return state
        }
        return max(1, FlowHash.mix(value))
    }
}
