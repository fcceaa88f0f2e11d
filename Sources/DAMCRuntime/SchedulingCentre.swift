import DAMCPath
import DAMCSecurity
import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The scheduling centre's class-4 side (`damc-scsc`; draft-li-icnrg-damc
/// §6 items 3-4; docs/scheduling.md): gateways and routers connect over
/// TLS 1.3 with client certificates and report telemetry; the centre keeps
/// the latest report of every node it knows from the LSDB. Reports that
/// come from a node it does not know, that name another node than the
/// certificate, or that carry values out of range are refused with a
/// counter and a log line; the centre keeps serving.
final class SchedulingCentre {
    /// The latest report of one node.
    struct Report {
        var telemetry: Telemetry
        var receivedAt: Int64
    }

    let node: NodeID
    let settings: SchedulerSettings
    let loop: EventLoop
    let logger: Logger
    let tls: TLSContext
    var listener: TLSListener?
    var sessions: [ObjectIdentifier: TLSSession] { listener?.sessions ?? [:] }
    /// The newest established session of each node (policies go there).
    var nodeSessions: [NodeID: TLSSession] = [:]
    var reports: [NodeID: Report] = [:]
    var counters: [String: Int] = [:]
    /// The nodes the routing engine knows (origins in the LSDB): checked
    /// for every report, so cheaper than `networkView`.
    var knownNodes: () -> Set<NodeID> = { [] }
    /// Policies issued, by id; ids start from the wall clock so that a
    /// restarted centre never reuses one that nodes may still hold.
    var policies: [UInt64: Issued] = [:]
    var nextPolicyID = (WallClock.nanoseconds() / 1_000_000) << 12
    var refreshTimer: EventLoop.Timer?
    /// The graph and the gateways, from the routing engine's LSDB.
    var networkView: () -> NetworkView = { NetworkView(graph: PathGraph(names: [], links: []), gateways: []) }
    /// Policies issued by the conditions, by "ingress prefix".
    var automatic: [String: UInt64] = [:]
    var evaluationTimer: EventLoop.Timer?
    var evaluating = false
    /// Links (as "from>to") found past the congestion threshold and not yet
    /// 10 points under it.
    var congestedLinks: Set<String> = []
    /// When each condition policy's condition was first seen cleared.
    var clearedSince: [String: Int64] = [:]

    /// Bounds on reported values (docs/scheduling.md §telemetry; the codec
    /// already refuses a loss over 1,000,000 ppm).
    static let maxRTTMicros: UInt32 = 60_000_000
    static let maxLoadOverCapacity: UInt64 = 100

    init(node: NodeID, settings: SchedulerSettings, loop: EventLoop, logger: Logger) throws(CryptoError) {
        self.node = node
        self.settings = settings
        self.loop = loop
        self.logger = logger
        tls = try TLSContext(role: .server, files: settings.tls)
    }

    func count(_ name: String) { counters[name, default: 0] += 1 }

    func start() throws(SystemError) {
        let listener = TLSListener(address: settings.listen, tls: tls, loop: loop, logger: logger, peerKind: "node")
        listener.count = { [unowned self] name in count(name) }
        listener.onEstablished = { [unowned self] session, peer in
            nodeSessions[peer] = session
            // A node that (re)connects gets the policies that concern it at once.
            for issued in policies.values where issued.nodes.contains(peer) {
                session.send(.policyInstall(issued.install))
                count("installs_sent")
            }
        }
        listener.onMessage = { [unowned self] message, session in receive(message, from: session) }
        listener.onClose = { [unowned self] session, _ in
            if let name = session.peerName, let peer = try? NodeID(name), nodeSessions[peer] === session {
                // Another live session of the same node (one that was
                // replaced by this one) takes over.
                nodeSessions[peer] = sessions.values.first { $0.established && !$0.closed && $0.peerName == name }
            }
        }
        try listener.start()
        self.listener = listener
        logger.info("scheduling centre listening", metadata: ["listen": "\(settings.listen)"])
    }

    func stop() {
        if let refreshTimer { loop.cancel(refreshTimer) }
        refreshTimer = nil
        if let evaluationTimer { loop.cancel(evaluationTimer) }
        evaluationTimer = nil
        listener?.stop()
        nodeSessions.removeAll()
    }

    // MARK: Telemetry

    private func receive(_ message: DAMCMessage, from session: TLSSession) {
        switch message {
        case let .telemetry(telemetry):
            if let reason = refusal(telemetry, peer: session.peerName) {
                logger.warning("telemetry refused", metadata: ["peer": "\(session.peerName ?? "-")", "reason": "\(reason.text)"])
                count(reason.counter)
                return
            }
            count("telemetry_accepted")
            reports[telemetry.reporter] = Report(telemetry: telemetry, receivedAt: MonotonicClock.now())
            conditionsMayHaveChanged()
        case let .policyAck(ack):
            acknowledge(ack, from: session.peerName)
        default:
            count("messages_refused")
            logger.warning("unexpected message from a node", metadata: ["peer": "\(session.peerName ?? "-")",
                                                                       "type": "\(message.messageType)"])
        }
    }

    /// Why a report is refused (its counter and a line for the log), or nil.
    func refusal(_ telemetry: Telemetry, peer: String?) -> (counter: String, text: String)? {
        guard peer == telemetry.reporter.rawValue else {
            return ("telemetry_wrong_reporter", "the certificate names '\(peer ?? "nobody")', the report '\(telemetry.reporter)'")
        }
        guard knownNodes().contains(telemetry.reporter) else {
            return ("telemetry_unknown_node", "\(telemetry.reporter) is not in this centre's LSDB")
        }
        for instance in telemetry.instances {
            if let rtt = instance.rttMicros, rtt > Self.maxRTTMicros {
                return ("telemetry_out_of_range", "RTT \(rtt) µs of \(instance.endpoint) is over \(Self.maxRTTMicros) µs")
            }
        }
        for link in telemetry.links {
            if link.capacityKbps == 0 {
                return ("telemetry_out_of_range", "link to \(link.neighbor) reported with no capacity")
            }
            if link.loadKbps / Self.maxLoadOverCapacity > link.capacityKbps {
                return ("telemetry_out_of_range",
                        "load \(link.loadKbps) kbit/s to \(link.neighbor) is over \(Self.maxLoadOverCapacity) times its capacity")
            }
        }
        return nil
    }

    /// `show telemetry`.
    func show() -> JSONValue {
        let now = MonotonicClock.now()
        let rows = reports.values.sorted { $0.telemetry.reporter < $1.telemetry.reporter }.map { report -> JSONValue in
            let telemetry = report.telemetry
            return .object([
                "node": .string(telemetry.reporter.rawValue),
                "age_ms": .int((now - report.receivedAt) / 1_000_000),
                "connected": .bool(nodeSessions[telemetry.reporter] != nil),
                "instances": .array(telemetry.instances.map { instance in
                    .object([
                        "prefix": .string(instance.prefix.description), "pod": instance.pod.map { .string($0.rawValue) } ?? .null,
                        "endpoint": .string(instance.endpoint.description),
                        "rtt_us": instance.rttMicros.map { .int(Int64($0)) } ?? .null,
                        "loss_ppm": .int(Int64(instance.lossPPM)), "available": .bool(instance.available),
                    ])
                }),
                "links": .array(telemetry.links.map { link in
                    .object([
                        "neighbor": .string(link.neighbor.rawValue), "link": link.linkID.map { .int(Int64($0)) } ?? .null,
                        "load_kbps": .int(Int64(clamping: link.loadKbps)), "capacity_kbps": .int(Int64(clamping: link.capacityKbps)),
                        "utilisation": .number(Double(link.loadKbps) / Double(max(1, link.capacityKbps))),
                    ])
                }),
            ])
        }
        return .object([
            "node": .string(node.rawValue), "listen": .string(settings.listen.description),
            "sessions": .int(Int64(nodeSessions.count)), "reports": .array(rows),
            "counters": .object(counters.mapValues { .int(Int64($0)) }),
        ])
    }
}
