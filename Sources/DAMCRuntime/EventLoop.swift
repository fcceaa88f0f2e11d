import CLinuxEvents
import DAMCRouting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One daemon's event loop (DESIGN.md §2): a single thread waiting in
/// `epoll_wait` on its sockets, one `timerfd` that carries the earliest
/// timer, a `signalfd` for the signals it handles, and an `eventfd` that
/// other threads use to post work back (results of CPU-heavy jobs).
///
/// Patterns from mature loops (shared/notes/swift-on-linux.md): the epoll
/// user data holds a registration id next to the fd, so a late event for a
/// closed-and-reused fd number is dropped; `EPOLLERR|EPOLLHUP` are always
/// reported; the timerfd is re-armed only when the earliest deadline
/// changes; `EINTR` is retried.
///
/// Not thread-safe except for `poster`: everything else is called on the
/// loop's own thread, from handlers.
public final class EventLoop {
    /// Identifies a registered descriptor.
    public struct Registration: Hashable, Sendable { let id: UInt32 }
    /// Identifies a scheduled timer.
    public struct Timer: Hashable, Sendable { let id: UInt64 }

    public typealias Handler = (_ events: UInt32) -> Void

    private let epoll: Int32
    private let timerDescriptor: Int32
    private var registrations: [UInt32: (fd: Int32, handler: Handler)] = [:]
    private var nextRegistration: UInt32 = 1
    private var timers: [UInt64: (deadline: Int64, handler: () -> Void)] = [:]
    private var nextTimer: UInt64 = 1
    private var armedDeadline: Int64?
    private var running = false
    private var signalDescriptor: Int32 = -1
    /// Lets other threads post closures to run on the loop thread.
    public let poster: Poster

    public static let readable = UInt32(EPOLLIN.rawValue)
    public static let writable = UInt32(EPOLLOUT.rawValue)
    public static let failed = UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue)

    public init() throws(SystemError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw SystemError("epoll_create1") }
        timerDescriptor = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard timerDescriptor >= 0 else { throw SystemError("timerfd_create") }
        let wake = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wake >= 0 else { throw SystemError("eventfd") }
        poster = Poster(descriptor: wake)
        let timerFD = timerDescriptor
        _ = try register(timerFD) { _ in
            var expirations: UInt64 = 0
            _ = read(timerFD, &expirations, 8)
        }
        let poster = self.poster
        _ = try register(wake) { _ in poster.drain() }
    }

    deinit {
        close(timerDescriptor)
        close(poster.descriptor)
        if signalDescriptor >= 0 { close(signalDescriptor) }
        close(epoll)
    }

    // MARK: Descriptors

    /// Watches `fd` for `events` (readable by default); errors and hang-ups
    /// are always reported. The caller keeps owning `fd`.
    @discardableResult
    public func register(_ fd: Int32, events: UInt32 = EventLoop.readable,
                         _ handler: @escaping Handler) throws(SystemError) -> Registration {
        let id = nextRegistration
        nextRegistration = nextRegistration == .max ? 1 : nextRegistration + 1
        var event = epoll_event()
        damc_epoll_event_set(&event, events | Self.failed, UInt64(id) << 32 | UInt64(UInt32(bitPattern: fd)))
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else { throw SystemError("epoll_ctl ADD", "fd \(fd)") }
        registrations[id] = (fd, handler)
        return Registration(id: id)
    }

    /// Changes the events watched for a registration (e.g. adds `writable`
    /// while output is queued).
    public func modify(_ registration: Registration, events: UInt32) {
        guard let entry = registrations[registration.id] else { return }
        var event = epoll_event()
        damc_epoll_event_set(&event, events | Self.failed, UInt64(registration.id) << 32 | UInt64(UInt32(bitPattern: entry.fd)))
        _ = epoll_ctl(epoll, EPOLL_CTL_MOD, entry.fd, &event)
    }

    /// Stops watching; call before closing the descriptor.
    public func unregister(_ registration: Registration) {
        guard let entry = registrations.removeValue(forKey: registration.id) else { return }
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, entry.fd, &event)
    }

    // MARK: Timers

    /// Runs `handler` once, on the loop, when CLOCK_MONOTONIC reaches
    /// `deadline` (nanoseconds).
    @discardableResult
    public func schedule(at deadline: Int64, _ handler: @escaping () -> Void) -> Timer {
        let id = nextTimer
        nextTimer += 1
        timers[id] = (deadline, handler)
        return Timer(id: id)
    }

    /// Runs `handler` once after `delay`.
    @discardableResult
    public func schedule(after delay: Duration, _ handler: @escaping () -> Void) -> Timer {
        schedule(at: MonotonicClock.now() + delay.nanoseconds, handler)
    }

    public func cancel(_ timer: Timer) { timers.removeValue(forKey: timer.id) }

    private func armTimer() {
        let earliest = timers.values.lazy.map(\.deadline).min()
        guard earliest != armedDeadline else { return }
        armedDeadline = earliest
        var spec = itimerspec()
        if let earliest {
            // An absolute deadline of 0 would disarm: use at least 1 ns.
            let at = max(earliest, 1)
            spec.it_value.tv_sec = Int(at / 1_000_000_000)
            spec.it_value.tv_nsec = Int(at % 1_000_000_000)
        }
        _ = timerfd_settime(timerDescriptor, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    private func fireTimers() {
        let now = MonotonicClock.now()
        let due = timers.filter { $0.value.deadline <= now }.sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
        for (id, timer) in due where timers.removeValue(forKey: id) != nil {
            if armedDeadline == timer.deadline { armedDeadline = nil }
            timer.handler()
        }
    }

    // MARK: Signals

    /// Blocks `signals` for the process and delivers them to `handler` on
    /// the loop (through a signalfd). Call before starting other threads.
    public func handleSignals(_ signals: [Int32], _ handler: @escaping (Int32) -> Void) throws(SystemError) {
        var set = sigset_t()
        guard signals.withUnsafeBufferPointer({ damc_block_signals($0.baseAddress, Int32($0.count), &set) }) == 0 else {
            throw SystemError("sigprocmask")
        }
        let fd = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fd >= 0 else { throw SystemError("signalfd") }
        signalDescriptor = fd
        try register(fd) { _ in
            var info = signalfd_siginfo()
            while read(fd, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
                handler(Int32(info.ssi_signo))
            }
        }
    }

    // MARK: Running

    /// Runs until `stop()` is called from a handler.
    public func run() throws(SystemError) {
        running = true
        var events = [epoll_event](repeating: epoll_event(), count: 64)
        while running {
            armTimer()
            let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), -1) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("epoll_wait")
            }
            for index in 0..<Int(count) {
                let data = damc_epoll_event_data(&events[index])
                let id = UInt32(truncatingIfNeeded: data >> 32)
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data))
                // A registration removed (or its fd reused) by an earlier
                // handler in this batch is skipped.
                guard let entry = registrations[id], entry.fd == fd else { continue }
                entry.handler(damc_epoll_event_events(&events[index]))
                if !running { break }
            }
            if running { fireTimers() }
        }
    }

    /// Makes `run()` return after the current handler.
    public func stop() { running = false }

    /// Wakes the loop from other threads and runs posted closures on it.
    public final class Poster: Sendable {
        let descriptor: Int32
        private let queue = Mutex<[@Sendable () -> Void]>([])

        init(descriptor: Int32) { self.descriptor = descriptor }

        /// Queues `work` to run on the loop thread; safe from any thread.
        public func post(_ work: @escaping @Sendable () -> Void) {
            queue.withLock { $0.append(work) }
            var one: UInt64 = 1
            _ = write(descriptor, &one, 8)
        }

        func drain() {
            var value: UInt64 = 0
            _ = read(descriptor, &value, 8)
            let work = queue.withLock { queue in
                let taken = queue
                queue.removeAll()
                return taken
            }
            for item in work { item() }
        }
    }
}
