import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// An event loop of the forwarding plane (docs/forwarding.md §threads): a
/// thread with its own epoll set serving pod-facing connections
/// (`+Ingress`) and connections from neighbours (`+Egress`). The common
/// calls (a request without a body, to a neighbour over an idle hop
/// connection, or to a local instance over an idle keep-alive connection)
/// run on the loop from the request head to the end of the response, as
/// state machines over the same framing as the blocking path, so that a
/// busy loop serves many calls per wake-up instead of waking one thread
/// per call per step. Everything else (a request body, a relay, a trace,
/// no idle connection yet, one found dead) is handed, for that one call,
/// to a worker running the blocking code, which gives the connection back
/// afterwards.
///
/// The loop's state is its own thread's only; other threads reach it
/// through `adopt`, which queues a connection and wakes the loop.
final class ForwardingReactor: @unchecked Sendable {
    /// The low two bits of a registration's epoll data say what it is.
    enum Tag {
        static let pod: UInt64 = 0
        static let lease: UInt64 = 1
        static let neighbor: UInt64 = 2
        static let instance: UInt64 = 3
    }

    /// A connection handed to the loop.
    enum Arrival {
        /// From a pod: new (`first`: its first request must start within the
        /// header timeout) or given back by a worker with the bytes it had
        /// read beyond its call.
        case pod(fd: Int32, buffer: [UInt8], first: Bool)
        /// From the neighbour on `link`.
        case neighbor(fd: Int32, link: LinkID, first: Bool, pipes: ForwardingPlane.Pipes?)
        /// A multiplexed connection a worker opened to the neighbour on `link`.
        case mux(fd: Int32, link: LinkID)
        /// The neighbour on `link` would not take a multiplexed connection.
        case muxRefused(link: LinkID)
    }

    unowned let plane: ForwardingPlane
    let epoll: Int32
    private let wake: Int32
    private let inbox = PlaneLock<[Arrival]>([])
    var connections: [UInt64: IngressConnection] = [:]
    /// Every outgoing hop connection registered with this loop, by id: in
    /// use by a call (`owner`) or idle, kept registered for the next call
    /// on its link (no epoll_ctl and no liveness poll per call; a neighbour
    /// that closes an idle one is noticed at once).
    var hops: ConnectionLeases<LinkID>
    /// Connections from neighbours, by id.
    var neighbors: [UInt64: NeighborConnection] = [:]
    /// Keep-alive connections to local instances registered with this
    /// loop, by id, in use or idle (as `hops`, for the egress).
    var instances: ConnectionLeases<Endpoint>
    /// This loop's multiplexed connections to neighbours, by link and by
    /// id (`+MuxLink`), links being opened, links serial-only until then,
    /// and what the wake-up staged on them (and on neighbours'
    /// multiplexed connections) to send once it ends.
    var muxLinks: [LinkID: MuxLink] = [:]
    var muxByID: [UInt64: MuxLink] = [:]
    var muxOpening: Set<LinkID> = []
    var muxRetryAt: [LinkID: Int64] = [:]
    var muxToFlush: [MuxLink] = []
    var muxAnswersToFlush: [NeighborConnection] = []
    var nextID: UInt64 = 1
    private var lastSweep: Int64 = 0
    /// `connected` replies already decoded, as bytes (at most
    /// `connectedRepliesKept`): one that comes again is known at a glance.
    var connectedReplies: [[UInt8]] = []
    static let connectedRepliesKept = 16
    /// Where every read of this loop lands first (one buffer for the
    /// loop's life instead of an allocation per read): large enough for a
    /// read of a whole call opening (`nextCall`) and for a 64 KiB read.
    let scratch: UnsafeMutableRawBufferPointer

    /// The time of this wake-up (taken once after epoll_wait returns): the
    /// clock of every deadline, lease and policy decision in the loop.
    var now: Int64 = MonotonicClock.now()
    /// What this loop counted since it last gave its counts to the plane
    /// (at the end of every wake-up, before it waits again).
    private var tally = ForwardingCounters()
    private var tallied = false

    /// How often idle and stalled connections are checked against their deadlines.
    static let sweepMs: Int32 = 100

    init(plane: ForwardingPlane) throws(SystemError) {
        self.plane = plane
        hops = ConnectionLeases(maxIdleMs: plane.hopPool.maxIdleMs, maxPerKey: plane.hopPool.maxPerKey)
        instances = ConnectionLeases(maxIdleMs: plane.instancePool.maxIdleMs, maxPerKey: plane.instancePool.maxPerKey)
        scratch = .allocate(byteCount: max(65_536, ForwardingPlane.maxHeaderFrame + plane.settings.maxHeadBytes + 8), alignment: 16)
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else {
            scratch.deallocate()
            throw SystemError("epoll_create1", "forwarding reactor")
        }
        wake = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wake >= 0 else {
            scratch.deallocate()
            close(epoll)
            throw SystemError("eventfd", "forwarding reactor")
        }
        var event = epoll_event()
        damc_epoll_event_set(&event, UInt32(EPOLLIN.rawValue), UInt64.max)
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else {
            scratch.deallocate()
            close(wake)
            close(epoll)
            throw SystemError("epoll_ctl", "forwarding reactor")
        }
    }

    deinit {
        scratch.deallocate()
    }

    /// Hands a connection to this loop (from any thread).
    func adopt(_ arrival: Arrival) {
        inbox.withLock { $0.append(arrival) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    /// The loop (its own thread, for the life of the process).
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), Self.sweepMs)
            if count < 0 && errno != EINTR { return }
            now = MonotonicClock.now()
            for index in 0..<max(0, Int(count)) {
                let data = damc_epoll_event_data(&events[index])
                let mask = damc_epoll_event_events(&events[index])
                if data == UInt64.max {
                    var value: UInt64 = 0
                    _ = read(wake, &value, 8)
                    takeInbox()
                    continue
                }
                // A registration closed earlier in this batch finds nothing.
                switch data & 3 {
                case Tag.pod:
                    if let connection = connections[data >> 2] { clientEvent(connection, mask) }
                case Tag.lease:
                    guard let lease = hops[data >> 2] else {
                        if let mux = muxByID[data >> 2] { muxLinkEvent(mux, mask) }
                        continue
                    }
                    if let owner = lease.owner as? IngressConnection {
                        upstreamEvent(owner, mask)
                    } else if let relay = lease.owner as? NeighborConnection {
                        relayEvent(relay, mask)
                    } else {
                        discard(lease)   // idle: closed by the neighbour, or junk
                    }
                case Tag.neighbor:
                    if let connection = neighbors[data >> 2] { neighborEvent(connection, mask) }
                default:
                    guard let lease = instances[data >> 2] else { continue }
                    if let owner = lease.owner as? NeighborConnection {
                        instanceEvent(owner, mask)
                    } else if let call = lease.owner as? EgressCall {
                        muxInstanceEvent(call, mask)
                    } else {
                        discardInstance(lease)
                    }
                }
            }
            if now - lastSweep >= Int64(Self.sweepMs) * 1_000_000 {
                lastSweep = now
                sweepIngress(now)
                sweepEgress(now)
                sweepLeases(now)
                plane.expireParked(now: now)
            }
            flushMultiplexed()   // what the events and the sweep staged, one send per connection
            if tallied {
                plane.counters.withLock { $0.absorb(tally) }
                tally.clear()
                tallied = false
            }
        }
    }

    private func takeInbox() {
        let arrived = inbox.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
        for arrival in arrived {
            switch arrival {
            case let .pod(fd, buffer, first): adoptPod(fd, buffer: buffer, first: first)
            case let .neighbor(fd, link, first, pipes): adoptNeighbor(fd, link: link, first: first, pipes: pipes)
            case let .mux(fd, link): adoptMux(fd, link: link)
            case let .muxRefused(link): muxRefused(link)
            }
        }
    }

    /// Counts something in this loop's tally; the plane sees it at the end
    /// of the wake-up (no lock per count).
    func record(_ body: (inout ForwardingCounters) -> Void) {
        body(&tally)
        tallied = true
    }

    /// A fresh registration id.
    func makeID() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    // MARK: Connections kept by this loop

    /// An idle connection to the neighbour on `link`: this loop's own, else
    /// one from the plane's pool (registered here from now on), else nil.
    func takeHop(_ link: LinkID) -> HopLease? {
        if let lease = hops.takeIdle(link, now: now, stale: closeDescriptor) { return lease }
        guard let fd = plane.hopPool.take("link:\(link)") else { return nil }
        return adopt(fd, key: link, tag: Tag.lease, into: &hops)
    }

    /// An idle keep-alive connection to `endpoint`: this loop's own, else
    /// one from the plane's pool (registered here from now on), else nil.
    func takeInstance(_ endpoint: Endpoint) -> InstanceLease? {
        if let lease = instances.takeIdle(endpoint, now: now, stale: closeDescriptor) { return lease }
        guard let fd = plane.instancePool.take(endpoint.description) else { return nil }
        return adopt(fd, key: endpoint, tag: Tag.instance, into: &instances)
    }

    /// Registers a connection taken from a plane's pool with this loop.
    private func adopt<Key>(_ fd: Int32, key: Key, tag: UInt64, into set: inout ConnectionLeases<Key>) -> ConnectionLease<Key>? {
        let lease = ConnectionLease(fd: fd, id: makeID(), key: key)
        guard register(fd, lease.id << 2 | tag, UInt32(EPOLLIN.rawValue)) else {
            close(fd)
            return nil
        }
        set.add(lease)
        return lease
    }

    private func closeDescriptor<Key>(_ lease: ConnectionLease<Key>) {
        unregister(lease.fd)
        close(lease.fd)
    }

    /// Keeps an idle hop connection registered for the next call on its link.
    func park(_ lease: HopLease) {
        if !hops.park(lease, now: now) { discard(lease) }
    }

    /// Keeps an idle instance connection registered for the next call.
    func parkInstance(_ lease: InstanceLease) {
        if !instances.park(lease, now: now) { discardInstance(lease) }
    }

    /// Closes a hop connection (broken, surplus, idle too long, or closed
    /// by the neighbour while idle).
    func discard(_ lease: HopLease) {
        if hops.remove(lease) { closeDescriptor(lease) }
    }

    /// Closes an instance connection (broken, surplus, idle too long, or
    /// closed by the instance while idle).
    func discardInstance(_ lease: InstanceLease) {
        if instances.remove(lease) { closeDescriptor(lease) }
    }

    /// Takes an instance connection out of this loop without closing it
    /// (a worker goes on with it); nil if it was not here.
    func releaseInstance(_ lease: InstanceLease) -> Int32? {
        guard instances.remove(lease) else { return nil }
        unregister(lease.fd)
        return lease.fd
    }

    /// Idle connections past their time, or all of them when stopping.
    func sweepLeases(_ now: Int64) {
        let stopping = plane.isStopping
        if stopping { for mux in Array(muxByID.values) where mux.streams.isEmpty { failMux(mux, "stopping") } }
        for lease in hops.expired(now: now, every: stopping) { discard(lease) }
        for lease in instances.expired(now: now, every: stopping) { discardInstance(lease) }
    }

    // MARK: epoll

    func register(_ fd: Int32, _ data: UInt64, _ events: UInt32) -> Bool {
        var event = epoll_event()
        damc_epoll_event_set(&event, events, data)
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0
    }

    func modify(_ fd: Int32, _ data: UInt64, _ events: UInt32) {
        var event = epoll_event()
        damc_epoll_event_set(&event, events, data)
        _ = epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event)
    }

    /// Sets what `fd` waits for, adding it back if it had been taken out
    /// (`quieten`).
    func watch(_ fd: Int32, _ data: UInt64, _ events: UInt32) {
        var event = epoll_event()
        damc_epoll_event_set(&event, events, data)
        if epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event) != 0 && errno == ENOENT {
            _ = epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
        }
    }

    /// A paused connection whose far end hung up stays reported (EPOLLHUP
    /// needs no interest): it leaves the epoll set until its call resumes
    /// and reads what is left, so the loop does not spin meanwhile.
    func quieten(_ fd: Int32, _ mask: UInt32) {
        if mask & (UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 { unregister(fd) }
    }

    func unregister(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
    }

    // MARK: I/O

    enum Received { case bytes, wouldBlock, closed }

    /// One non-blocking read appended to `buffer`.
    func receive(_ fd: Int32, into buffer: inout [UInt8], max: Int) -> Received {
        switch receive(fd, max: max) {
        case let .some(count) where count > 0:
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            return .bytes
        case .some: return .closed
        case .none: return .wouldBlock
        }
    }

    /// One non-blocking read into `scratch`: the byte count (0 at the end
    /// of the stream or on an error), or nil when nothing is waiting.
    func receive(_ fd: Int32, max: Int) -> Int? {
        while true {
            let count = recv(fd, scratch.baseAddress, Swift.min(max, scratch.count), Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? nil : 0
        }
    }
}
