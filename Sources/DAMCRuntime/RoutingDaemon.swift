import DAMCForwarding
import DAMCRouting
import DAMCSecurity
import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// A routing daemon (`damc-sr` or `damc-sg`): the routing engine on real
/// UDP sockets under one epoll loop, a management socket, signals and
/// systemd notification (issue 5; docs/daemons.md).
///
/// Every event reaches the engine as a `RoutingEvent` with the monotonic
/// clock as its `Instant`; every action it returns is carried out here.
/// The engine is the same code the simulator runs.
public final class RoutingDaemon {
    /// One configured link: its socket and the peer it may hear from.
    final class LinkSocket {
        let config: NodeConfig.Link
        let socket: UDPSocket
        let peer: SocketAddress
        var registration: EventLoop.Registration?
        var received = 0
        var sent = 0
        var refused = 0

        init(config: NodeConfig.Link) throws(SystemError) {
            self.config = config
            socket = try UDPSocket(bind: config.local)
            peer = try SocketAddress(config.peer)
        }
    }

    public let program: String
    public let configPath: String
    public private(set) var config: NodeConfig
    let loop: EventLoop
    let logger: Logger
    var node: RoutingNode
    var links: [UInt32: LinkSocket] = [:]
    var management: ManagementServer?
    var engineTimer: EventLoop.Timer?
    var engineDeadline: Int64?
    public internal(set) var counters = RuntimeCounters()
    let startedAt = MonotonicClock.now()
    var watchdogTimer: EventLoop.Timer?
    var stopping = false
    var security: SecurityMaterial
    var grantFilter: GrantFilter?
    var grantTimer: EventLoop.Timer?
    var grantTimerAt: UInt64?
    /// A gateway's session to the SPA (when its config names one).
    var spaClient: SPAClient?
    /// Class 4: this node's session to the SCSC (sg, sr), or the scheduling
    /// centre itself (scsc).
    var scscClient: SCSCClient?
    var schedulingCentre: SchedulingCentre?
    /// Link bytes at the last telemetry report, and when it was taken.
    var lastLinkBytes: (at: Int64, bytes: [LinkID: UInt64])?
    var policyTimer: EventLoop.Timer?
    /// Class 1: the pod socket, its connections, registrations, and pods
    /// waiting for the SPA's final answer.
    var podListener: Int32 = -1
    var podListenerRegistration: EventLoop.Registration?
    var podTCPListener: Int32 = -1
    var podTCPRegistration: EventLoop.Registration?
    var podStreams: [ObjectIdentifier: FramedStream] = [:]
    var registrations: [PodRegistration] = []
    var podWaiters: [(stream: FramedStream, requestID: UInt64, prefix: ServiceName, pod: PodID)] = []
    var podCounters: [String: Int] = [:]
    /// The forwarding plane (calls by name); nil until `run` starts it.
    var forwarding: ForwardingPlane?
    /// The RIB generation last handed to the forwarding plane.
    var publishedGeneration = -1
    /// QoS forwarding policies from the SCSC (docs/forwarding.md §policies).
    lazy var policies = PolicyTable(node: config.nodeID)

    /// Largest datagram accepted; larger ones are counted and dropped
    /// (the engine builds at most 1,400 bytes; this leaves room for jumbo
    /// frames from other implementations).
    static let receiveBufferBytes = 9216

    public init(program: String, configPath: String, config: NodeConfig, security: SecurityMaterial = SecurityMaterial(),
                logger: Logger) throws(SystemError) {
        self.program = program
        self.configPath = configPath
        self.config = config
        self.security = security
        self.logger = logger
        loop = try EventLoop()
        node = RoutingNode(config: Self.routingConfig(config, security))
        installGrantFilter(security.grantVerifier)
    }

    static func routingConfig(_ config: NodeConfig, _ security: SecurityMaterial) -> RoutingConfig {
        var routing = RoutingConfig(nodeID: config.nodeID, role: config.role)
        apply(config.timers, to: &routing)
        routing.authenticator = security.keyChain
        // Above anything sent before a restart (docs/routing.md §9).
        routing.authSequenceStart = WallClock.nanoseconds()
        return routing
    }

    /// With SPA keys configured, prefixes need valid grants to enter the RIB.
    func installGrantFilter(_ verifier: GrantVerifier?) {
        guard let verifier else {
            grantFilter = nil
            node.removePrefixFilter()
            return
        }
        let filter = GrantFilter(verifier: verifier)
        grantFilter = filter
        node.setPrefixFilter { entry, origin in filter.accept(entry, origin: origin) }
    }

    /// Rebuilds the RIB when the next grant expires (or becomes valid).
    func scheduleGrantReevaluation() {
        guard let filter = grantFilter, let at = filter.takeNextChange() else { return }
        if let grantTimerAt, grantTimerAt <= at, grantTimer != nil { return }
        if let grantTimer { loop.cancel(grantTimer) }
        grantTimerAt = at
        let delay = Int64(at) * 1_000_000_000 - Int64(WallClock.nanoseconds())
        grantTimer = loop.schedule(at: MonotonicClock.now() + max(0, delay)) { [unowned self] in
            grantTimer = nil
            grantTimerAt = nil
            deliver(.prefixFilterChanged)
        }
    }

    static func apply(_ timers: NodeConfig.Timers, to routing: inout RoutingConfig) {
        routing.helloInterval = .milliseconds(timers.helloMs)
        routing.deadInterval = .milliseconds(timers.deadMs)
        routing.retransmitInterval = .milliseconds(timers.retransmitMs)
        routing.lsaLifetime = UInt16(timers.lsaLifetimeS)
        routing.refreshInterval = .seconds(timers.lsaLifetimeS / 2)
        routing.spfThrottle.initialDelay = .milliseconds(timers.spfInitialMs)
        routing.spfThrottle.shortDelay = .milliseconds(timers.spfShortMs)
        routing.spfThrottle.longDelay = .milliseconds(timers.spfLongMs)
    }

    // MARK: Running

    /// Binds every socket, starts the engine, tells systemd it is ready and
    /// runs until SIGTERM (or SIGINT). Errors before the loop runs (a port
    /// in use, an unwritable socket directory) are thrown.
    public func run() throws(SystemError) {
        try loop.handleSignals([SIGTERM, SIGINT, SIGHUP]) { [unowned self] signal in
            if signal == SIGHUP { reload() } else { shutdown(reason: signal == SIGTERM ? "SIGTERM" : "SIGINT") }
        }
        for link in config.links { try openLink(link) }
        try startForwarding()
        management = try ManagementServer(path: config.managementSocketPath, loop: loop) { [unowned self] args in
            command(args)
        }
        management?.deferredHandler = { [unowned self] args, respond in deferredCommand(args, respond: respond) }
        for link in config.links {
            deliver(.linkUp(link.id, LinkParameters(cost: link.cost, capacityKbps: link.capacityMbps * 1000)))
        }
        if config.role == .gateway {
            if let spa = config.spa {
                // Services are advertised only once the SPA grants them.
                let client: SPAClient
                do {
                    client = try SPAClient(config: spa, gateway: config.nodeID, services: config.services, loop: loop, logger: logger)
                } catch {
                    throw SystemError("TLS", error.description, code: EINVAL)
                }
                client.onGrantsChanged = { [unowned self, unowned client] in
                    deliver(.setPrefixes(client.grantedEntries))
                    answerPodWaiters()
                }
                client.onAnswer = { [unowned self] in answerPodWaiters() }
                spaClient = client
                // The configured instances stand ready; calls reach them
                // once the FIB holds the granted prefix.
                syncInstances()
                client.start()
            } else {
                applyServices()
            }
        }
        try startScheduling()
        logger.info("started", metadata: ["node": "\(config.nodeID)", "role": "\(config.role)",
                                          "links": "\(config.links.count)", "socket": "\(config.managementSocketPath)"])
        SystemdNotifier.notify("READY=1\nSTATUS=\(statusLine())")
        if let interval = SystemdNotifier.watchdogInterval { startWatchdog(every: interval / 2) }
        try openPodSocket()
        try loop.run()
        forwarding?.stop()
        closePodSocket()
        spaClient?.stop()
        scscClient?.stop()
        schedulingCentre?.stop()
        management?.close()
        for link in links.values { if let registration = link.registration { loop.unregister(registration) } }
        links.removeAll()
        logger.info("stopped", metadata: ["node": "\(config.nodeID)"])
    }

    private func startWatchdog(every interval: Duration) {
        SystemdNotifier.notify("WATCHDOG=1")
        watchdogTimer = loop.schedule(after: interval) { [unowned self] in startWatchdog(every: interval) }
    }

    func openLink(_ link: NodeConfig.Link) throws(SystemError) {
        let socket = try LinkSocket(config: link)
        socket.registration = try loop.register(socket.socket.descriptor) { [unowned self, unowned socket] _ in
            receive(on: socket)
        }
        links[link.id] = socket
    }

    func closeLink(_ id: UInt32) {
        guard let link = links.removeValue(forKey: id) else { return }
        if let registration = link.registration { loop.unregister(registration) }
    }

    private func receive(on link: LinkSocket) {
        // Drain what is waiting, but yield after a batch so other links and
        // timers are served.
        for _ in 0..<64 {
            guard let datagram = link.socket.receive(maxBytes: Self.receiveBufferBytes) else { return }
            counters.datagramsReceived += 1
            guard datagram.length <= Self.receiveBufferBytes else {
                counters.datagramsOversized += 1
                link.refused += 1
                continue
            }
            guard datagram.source.sameEndpoint(as: link.peer) else {
                counters.datagramsFromUnknownPeers += 1
                link.refused += 1
                logger.debug("datagram from unknown peer", metadata: ["link": "\(link.config.id)", "source": "\(datagram.source)"])
                continue
            }
            link.received += 1
            deliver(.received(link.config.id, datagram.bytes))
        }
    }

    /// Feeds one event to the engine at the current monotonic time and
    /// carries out its actions.
    func deliver(_ event: RoutingEvent) {
        let now = MonotonicClock.now()
        // The four counters the timestamps follow (not the whole struct:
        // this runs for every datagram).
        func marks(_ c: RoutingCounters) -> (adjacency: Int, lsas: Int, spf: Int, fib: Int) {
            (c.adjacenciesUp + c.adjacenciesDown, c.lsasInstalled + c.lsasOriginated, c.spfRuns, c.fibChanges)
        }
        let before = marks(node.counters)
        let actions = node.handle(event, now: Instant(nanoseconds: now))
        let after = marks(node.counters)
        if after.adjacency != before.adjacency { counters.lastAdjacencyChange = now }
        if after.lsas != before.lsas { counters.lastLSAInstalled = now }
        if after.spf != before.spf { counters.lastSPFRun = now }
        if after.fib != before.fib { counters.lastFIBChange = now }
        perform(actions)
        if node.ribGeneration != publishedGeneration { publishForwarding() }
        rearmEngineTimer()
        if after.spf != before.spf || after.fib != before.fib || event.isFilterChange {
            scheduleGrantReevaluation()
        }
    }

    private func perform(_ actions: [RoutingAction]) {
        for action in actions {
            switch action {
            case let .send(linkID, bytes):
                guard let link = links[linkID] else { continue }
                if let code = link.socket.send(bytes, to: link.peer) {
                    counters.sendErrors += 1
                    logger.debug("send failed", metadata: ["link": "\(linkID)", "error": "\(SystemError("sendto", code: code))"])
                } else {
                    counters.datagramsSent += 1
                    link.sent += 1
                }
            case let .fibChanged(changes):
                logger.info("FIB changed", metadata: ["changes": "\(changes.count)", "entries": "\(node.fib.count)"])
                SystemdNotifier.notify("STATUS=\(statusLine())")
            case let .adjacencyChanged(link, neighbor, up):
                logger.notice("adjacency \(up ? "up" : "down")", metadata: ["link": "\(link)", "neighbor": "\(neighbor)"])
                SystemdNotifier.notify("STATUS=\(statusLine())")
            }
        }
    }

    private func rearmEngineTimer() {
        guard !stopping, let deadline = node.nextDeadline?.nanoseconds else { return }
        if let engineDeadline, engineDeadline == deadline, engineTimer != nil { return }
        if let engineTimer { loop.cancel(engineTimer) }
        engineDeadline = deadline
        engineTimer = loop.schedule(at: deadline) { [unowned self] in
            engineTimer = nil
            engineDeadline = nil
            deliver(.tick)
        }
    }

    func statusLine() -> String {
        let up = node.neighbors.filter { $0.neighbor.state == .up }.count
        return "\(up) of \(config.links.count) adjacencies up, \(node.lsdb.count) LSAs, \(node.fib.count) FIB entries"
    }

    // MARK: Lifecycle

    /// Planned shutdown: goodbye hellos on every link (neighbours converge
    /// at once instead of waiting out the dead interval), then stop.
    func shutdown(reason: String) {
        guard !stopping else { return }
        logger.notice("shutting down", metadata: ["reason": "\(reason)"])
        SystemdNotifier.notify("STOPPING=1")
        deliver(.shutdown)
        stopping = true
        loop.stop()
    }

    /// SIGHUP: re-reads the config file and applies what can change while
    /// running (costs and capacities, links added or removed, timers,
    /// services). A config that is invalid, or changes the node id, the
    /// role or the management socket, is refused and the old one stays.
    func reload() {
        let fresh: NodeConfig
        do {
            fresh = try NodeConfig.load(path: configPath)
        } catch {
            counters.reloadsRefused += 1
            logger.error("reload refused, keeping the running config", metadata: ["error": "\(error)"])
            return
        }
        let freshSecurity: SecurityMaterial
        do {
            freshSecurity = try SecurityMaterial.load(fresh, file: configPath)
        } catch {
            counters.reloadsRefused += 1
            logger.error("reload refused, keeping the running config", metadata: ["error": "\(error)"])
            return
        }
        if let problem = Self.unchangeable(from: config, to: fresh) {
            counters.reloadsRefused += 1
            logger.error("reload refused, keeping the running config", metadata: ["error": "\(configPath): \(problem)"])
            return
        }
        // Open new sockets first: if one fails, nothing has changed yet.
        let old = Dictionary(uniqueKeysWithValues: config.links.map { ($0.id, $0) })
        let new = Dictionary(uniqueKeysWithValues: fresh.links.map { ($0.id, $0) })
        var opened: [UInt32] = []
        for link in fresh.links where old[link.id] == nil {
            do {
                try openLink(link)
                opened.append(link.id)
                try forwarding?.addLink(link)
            } catch {
                for id in opened { closeLink(id) }
                counters.reloadsRefused += 1
                logger.error("reload refused, keeping the running config", metadata: ["error": "link \(link.id): \(error)"])
                return
            }
        }
        if fresh.timers != config.timers {
            node.updateTimers { Self.apply(fresh.timers, to: &$0) }
        }
        // New keys: the chain from the next packet on, the SPA keys at once.
        node.updateAuthentication(freshSecurity.keyChain)
        security = freshSecurity
        installGrantFilter(freshSecurity.grantVerifier)
        deliver(.prefixFilterChanged)
        for id in old.keys.sorted() where new[id] == nil {
            deliver(.linkDown(id))
            closeLink(id)
        }
        for link in fresh.links {
            let parameters = LinkParameters(cost: link.cost, capacityKbps: link.capacityMbps * 1000)
            if let previous = old[link.id] {
                if previous.local != link.local || previous.peer != link.peer {
                    // Readdressed: a new socket and a fresh adjacency.
                    deliver(.linkDown(link.id))
                    closeLink(link.id)
                    do { try openLink(link) } catch {
                        logger.error("link could not be reopened", metadata: ["link": "\(link.id)", "error": "\(error)"])
                        continue
                    }
                    deliver(.linkUp(link.id, parameters))
                } else if previous.cost != link.cost || previous.capacityMbps != link.capacityMbps {
                    deliver(.linkChanged(link.id, parameters))
                }
            } else {
                deliver(.linkUp(link.id, parameters))
            }
        }
        let servicesChanged = fresh.role == .gateway && fresh.services != config.services
        try? forwarding?.setNeighbors(fresh.links)
        config = fresh
        if servicesChanged { applyServices() }
        counters.reloads += 1
        logger.notice("reloaded", metadata: ["file": "\(configPath)", "links": "\(fresh.links.count)"])
        SystemdNotifier.notify("STATUS=\(statusLine())")
    }

    static func unchangeable(from old: NodeConfig, to new: NodeConfig) -> String? {
        if old.nodeID != new.nodeID { return "node_id: cannot change from '\(old.nodeID)' while running; restart instead" }
        if old.role != new.role { return "role: cannot change while running; restart instead" }
        if old.managementSocketPath != new.managementSocketPath {
            return "management_socket: cannot change while running; restart instead"
        }
        if old.spa != new.spa { return "spa: cannot change while running; restart instead" }
        if old.pods?.socket != new.pods?.socket { return "pods.socket: cannot change while running; restart instead" }
        if old.pods?.listen != new.pods?.listen { return "pods.listen: cannot change while running; restart instead" }
        if old.forwarding != new.forwarding { return "forwarding: cannot change while running; restart instead" }
        if old.scsc != new.scsc { return "scsc: cannot change while running; restart instead" }
        if old.scheduler != new.scheduler { return "scheduler: cannot change while running; restart instead" }
        return nil
    }
}
