import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCTopology
import DAMCWire
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The forwarding plane of one node (draft-li-icnrg-damc §7.2; DESIGN.md
/// §2a; docs/forwarding.md): TCP listeners on every link's local address
/// for calls from neighbours, and on a gateway the pod-facing HTTP
/// ingress. Each call runs on its own thread, consulting the tables the
/// routing daemon publishes here; the routing engine's event loop never
/// waits for a call.
public final class ForwardingPlane: Sendable {
    let node: NodeID
    let role: NodeRole
    let settings: ForwardingSettings
    let logger: Logger
    let parser: HTTPHeadParser
    /// This node's `connected` reply, encoded once (it goes back on every
    /// call this gateway delivers; docs/wire.md §5.8).
    let connectedReply: [UInt8]
    /// The tables in force, boxed: a call takes a reference, not a copy
    /// (a copy of the struct retains and releases each of its tables).
    final class TableBox: Sendable {
        let table: ForwardingTable
        init(_ table: ForwardingTable) { self.table = table }
    }
    private let table: PlaneLock<TableBox>
    private let neighbors: PlaneLock<[LinkID: SocketAddress]>
    let pool: PlaneLock<InstancePool>
    let counters = PlaneLock(ForwardingCounters())
    /// Responses parked on multiplexed connections, by resume token
    /// (`ForwardingPlane+Park`).
    let parkedResponses = PlaneLock<[UInt64: ParkedResponse]>([:])
    private let listeners = PlaneLock<[Int32]>([])
    private let active = Atomic<Int>(0)
    let workers = WorkerPool()
    /// The event loops (empty if none could start: workers serve every connection).
    private let reactors = PlaneLock<[ForwardingReactor]>([])
    private let nextReactor = Atomic<Int>(0)
    /// Idle connections to neighbours, by link (reused by the next call).
    let hopPool: ConnectionPool
    /// Idle keep-alive connections to instances, by endpoint.
    let instancePool: ConnectionPool
    private let stopping = Atomic<Bool>(false)
    /// Called (from any thread) when an instance's health changed, so the
    /// daemon can re-advertise its prefixes.
    let healthChanged: @Sendable () -> Void

    public init(node: NodeID, role: NodeRole, settings: ForwardingSettings, logger: Logger,
                healthChanged: @escaping @Sendable () -> Void) {
        self.node = node
        self.role = role
        self.settings = settings
        self.logger = logger
        self.healthChanged = healthChanged
        connectedReply = ForwardReply(status: .connected, node: node).encode()
        parser = HTTPHeadParser(limits: .init(maxHeadBytes: settings.maxHeadBytes, maxFields: settings.maxHeaderFields))
        // Give idle connections up well before the far end times them out.
        hopPool = ConnectionPool(maxIdleMs: max(1, settings.idleTimeoutMs / 2))
        instancePool = ConnectionPool(maxIdleMs: min(4_000, settings.idleTimeoutMs / 2))
        table = PlaneLock(TableBox(ForwardingTable(node: node)))
        neighbors = PlaneLock([:])
        pool = PlaneLock(InstancePool(policy: settings.health))
    }

    // MARK: Tables (from the event loop)

    /// Installs the tables that new calls use.
    public func publish(_ next: ForwardingTable) {
        let box = TableBox(next)
        table.withLock { $0 = box }
    }

    /// The tables in force, by reference (use `tables.table.decide(...)`
    /// on the box rather than copying the table out of it).
    var tables: TableBox { table.withLock { $0 } }

    /// Where each link's neighbour takes calls: the same address and port
    /// as the link's UDP socket, over TCP (docs/forwarding.md §hops).
    public func setNeighbors(_ links: [NodeConfig.Link]) throws(SystemError) {
        var map: [LinkID: SocketAddress] = [:]
        for link in links { map[link.id] = try SocketAddress(link.peer, type: Int32(SOCK_STREAM.rawValue)) }
        neighbors.withLock { $0 = map }
    }

    func neighborAddress(_ link: LinkID) -> SocketAddress? { neighbors.withLock { $0[link] } }

    /// Makes the instance pool hold the pods' registrations.
    public func setInstances(_ registrations: [(prefix: ServiceName, pod: PodID?, endpoint: Endpoint, weight: UInt16)]) {
        pool.withLock { $0.sync(registrations) }
    }

    /// A copy of the instances and their health.
    public var instances: [Instance] { pool.withLock { $0.instances } }

    /// Counters and active flows, copied.
    var snapshot: ForwardingCounters { counters.withLock { $0 } }

    public var activeCalls: Int { active.load(ordering: .relaxed) }

    // MARK: Listeners

    /// What a listener takes: calls from neighbours, or HTTP from pods.
    enum ListenerKind { case link(LinkID), ingress }

    /// Listens on `address` and serves each connection on its own thread.
    func listen(on address: TransportAddress, kind: ListenerKind) throws(SystemError) {
        let fd = try TCPSocket.listen(address, backlog: 1024)
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)   // the accept thread blocks
        listeners.withLock { $0.append(fd) }
        let started = ForwardingThread.spawn { [self] in acceptLoop(fd, kind: kind) }
        guard started else {
            close(fd)
            throw SystemError("pthread_create", "forwarding listener \(address)", code: EAGAIN)
        }
    }

    /// Opens the link listeners and, on a gateway, the ingress.
    public func start(links: [NodeConfig.Link]) throws(SystemError) {
        // splice(2) to a socket whose peer has gone raises SIGPIPE (it has
        // no MSG_NOSIGNAL); the error return is what we want instead.
        signal(SIGPIPE, SIG_IGN)
        try setNeighbors(links)
        for link in links { try listen(on: link.local, kind: .link(link.id)) }
        startReactors()
        if let ingress = settings.ingress { try listen(on: ingress, kind: .ingress) }
        if role == .gateway { startProber() }
    }

    /// One forwarding event loop per processor (at most four). If none can
    /// start, every connection is served by workers.
    private func startReactors() {
        let count = min(4, max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
        var started: [ForwardingReactor] = []
        for _ in 0..<count {
            guard let reactor = try? ForwardingReactor(plane: self) else { break }
            guard ForwardingThread.spawn({ reactor.run() }) else { break }
            started.append(reactor)
        }
        if started.isEmpty { logger.warning("no forwarding event loop could start; connections are served by worker threads") }
        reactors.withLock { $0 = started }
    }

    /// Opens a listener for a link added by a reload.
    public func addLink(_ link: NodeConfig.Link) throws(SystemError) {
        try listen(on: link.local, kind: .link(link.id))
    }

    /// Closes the listeners; calls in progress finish on their own.
    public func stop() {
        stopping.store(true, ordering: .relaxed)
        let fds = listeners.withLock { fds in
            let taken = fds
            fds.removeAll()
            return taken
        }
        for fd in fds { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        hopPool.closeAll()
        instancePool.closeAll()
    }

    var isStopping: Bool { stopping.load(ordering: .relaxed) }

    private func acceptLoop(_ listener: Int32, kind: ListenerKind) {
        defer { close(listener) }
        while !isStopping {
            let fd = damc_accept_blocking(listener)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    counters.withLock { $0.add(.acceptFailures) }
                    var pause = timespec(tv_sec: 0, tv_nsec: 10_000_000)
                    nanosleep(&pause, nil)   // back off while descriptors are short
                    continue
                }
                return   // shut down
            }
            ForwardingIO.prepare(fd)
            guard admit() else {
                counters.withLock { $0.add(.refusedOverloaded) }
                refuseOverloaded(fd, kind: kind)
                close(fd)
                continue
            }
            if let reactor = reactors.withLock({ $0.isEmpty ? nil : $0[nextReactor.wrappingAdd(1, ordering: .relaxed).oldValue % $0.count] }) {
                switch kind {
                case .ingress: reactor.adopt(.pod(fd: fd, buffer: [], first: true))
                case let .link(link): reactor.adopt(.neighbor(fd: fd, link: link, first: true, pipes: nil))
                }
                continue
            }
            let spawned = workers.run { [self] in
                defer { release() }
                switch kind {
                case let .link(link): serveHop(fd, link: link)
                case .ingress: serveIngress(fd)
                }
            }
            if !spawned {
                release()
                counters.withLock { $0.add(.refusedOverloaded) }
                refuseOverloaded(fd, kind: kind)
                close(fd)
            }
        }
    }

    /// Counts a call in if there is room under `max_calls`.
    private func admit() -> Bool {
        if active.wrappingAdd(1, ordering: .relaxed).newValue > settings.maxCalls {
            active.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { active.wrappingSubtract(1, ordering: .relaxed) }

    private func refuseOverloaded(_ fd: Int32, kind: ListenerKind) {
        let text = "\(node) carries \(settings.maxCalls) calls already"
        switch kind {
        case .ingress:
            let response = ErrorResponse(status: 503, code: ReasonCode.overloaded.description, name: nil,
                                         hop: node.rawValue, reason: text, keepAlive: false)
            try? ForwardingIO.write(fd, response.bytes, timeoutMs: 100)
        case .link:
            let reply = ForwardReply(status: .failed, node: node, reason: .overloaded, reasonText: text)
            try? ForwardingIO.write(fd, reply.encode(), timeoutMs: 100)
        }
    }

    static func nowNanoseconds() -> Int64 { MonotonicClock.now() }
}
