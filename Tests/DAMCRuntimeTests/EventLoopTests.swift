import DAMCRuntime
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The epoll loop on its own: timers, descriptors, posting from threads.
@Suite("Event loop")
struct EventLoopTests {
    @Test("timers fire once each, in deadline order, and cancelled ones never")
    func timers() throws {
        let loop = try EventLoop()
        var fired: [Int] = []
        let now = MonotonicClock.now()
        loop.schedule(at: now + 30_000_000) { fired.append(3); loop.stop() }
        loop.schedule(at: now + 10_000_000) { fired.append(1) }
        let cancelled = loop.schedule(at: now + 5_000_000) { fired.append(99) }
        loop.schedule(at: now + 20_000_000) { fired.append(2) }
        loop.cancel(cancelled)
        try loop.run()
        #expect(fired == [1, 2, 3])
    }

    @Test("a readable descriptor calls its handler until unregistered")
    func descriptors() throws {
        let loop = try EventLoop()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var reads = 0
        var registration: EventLoop.Registration?
        registration = try loop.register(fds[0]) { _ in
            var byte: UInt8 = 0
            _ = read(fds[0], &byte, 1)
            reads += 1
            loop.unregister(registration!)
            // Readable again, but no longer watched: only the timer ends the loop.
            var more: UInt8 = 2
            _ = write(fds[1], &more, 1)
            loop.schedule(after: .milliseconds(20)) { loop.stop() }
        }
        var one: UInt8 = 1
        _ = write(fds[1], &one, 1)
        try loop.run()
        #expect(reads == 1)
    }

    @Test("work posted from other threads runs on the loop")
    func posting() throws {
        let loop = try EventLoop()
        let poster = loop.poster
        let count = Mutex(0)
        var ranOnLoop = 0
        let threads = (0..<4).map { _ in
            Thread {
                for _ in 0..<25 {
                    poster.post { count.withLock { $0 += 1 } }
                }
            }
        }
        var seen = 0
        func check() {
            seen = count.withLock { $0 }
            ranOnLoop += 1
            if seen == 100 { loop.stop() } else { loop.schedule(after: .milliseconds(5)) { check() } }
        }
        loop.schedule(after: .milliseconds(1)) { check() }
        // A bound on the whole test: never hang.
        loop.schedule(after: .seconds(20)) { loop.stop() }
        for thread in threads { thread.start() }
        try loop.run()
        #expect(seen == 100)
        #expect(ranOnLoop >= 1)
    }
}
