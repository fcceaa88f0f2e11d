#if canImport(Glibc)
import Glibc
#endif

/// Threads for calls, kept after a call ends so the next call does not
/// pay for a new thread (clone, stack mapping): a call is handed to an
/// idle worker if there is one, else a new worker starts. A worker idle
/// for `idleSeconds` exits, so a burst does not leave threads behind.
final class WorkerPool: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    private var idle = 0
    private var queue: [() -> Void] = []
    let idleSeconds: Int

    init(idleSeconds: Int = 30) {
        self.idleSeconds = idleSeconds
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `work` on a worker; false if no worker could be started.
    func run(_ work: @escaping () -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        if idle > queue.count {
            queue.append(work)
            pthread_cond_signal(condition)
            pthread_mutex_unlock(mutex)
            return true
        }
        pthread_mutex_unlock(mutex)
        let box = WorkBox(work)
        return ForwardingThread.spawn { [self] in serve(box.work) }
    }

    private final class WorkBox: @unchecked Sendable {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    private func serve(_ first: () -> Void) {
        first()
        while let next = take() { next() }
    }

    /// The next call, or nil after `idleSeconds` without one.
    private func take() -> (() -> Void)? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        idle += 1
        defer { idle -= 1 }
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_sec += idleSeconds
        while queue.isEmpty {
            if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT && queue.isEmpty { return nil }
        }
        return queue.removeFirst()
    }
}
