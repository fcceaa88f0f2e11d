#if canImport(Glibc)
import Glibc
#endif

/// A value behind a plain pthread mutex, for state that forwarding
/// threads share. Swift's `Synchronization.Mutex` on Linux takes a
/// priority-inheritance futex, which under contention from many call
/// threads cost a fifth of the CPU in the forwarding benchmark; a normal
/// glibc mutex sleeps on an ordinary futex only when contended.
final class PlaneLock<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; keep it short.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
