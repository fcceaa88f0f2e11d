import DAMCRuntime
import DAMCTopology
import DAMCWire
import Foundation
import Testing

/// Class 4 over real processes and TLS (docs/scheduling.md): telemetry up
/// from every gateway and router, a QoS policy pushed by the SCSC along an
/// explicit path and followed by calls, refused paths, policies that
/// expire when the SCSC dies so the FIB rules again, and telemetry that
/// lies refused with a counter.
@Suite("Scheduling centre: telemetry and policies", .serialized)
struct SchedulingTests {
    static let block: UInt8 = 63
    static let repository = SPATests.repository
    /// sg1 reaches sg2 (which serves /B) through sr1 (cost 20) or sr2
    /// (cost 40), and sg3 (which serves /B too, with two instances) through
    /// sr2 (cost 30); the SCSC listens to sr1. The sr1-sg2 link carries
    /// only 1 Mb/s.
    static let topologyText = """
    { "name": "scheduling",
      "nodes": [ { "id": "sg1", "role": "sg" }, { "id": "sr1", "role": "sr" }, { "id": "sr2", "role": "sr" },
                 { "id": "sg2", "role": "sg", "services": [ { "prefix": "/B", "pod": "b", "endpoints": ["127.63.1.4:9204"] } ] },
                 { "id": "sg3", "role": "sg", "services": [ { "prefix": "/B", "pod": "b3", "endpoints": ["127.63.1.5:9205", "127.63.1.6:9206"] } ] },
                 { "id": "scsc", "role": "scsc" } ],
      "links": [ { "a": "sg1", "b": "sr1", "cost": 10 }, { "a": "sr1", "b": "sg2", "cost": 10, "capacity_mbps": 1 },
                 { "a": "sg1", "b": "sr2", "cost": 20 }, { "a": "sr2", "b": "sg2", "cost": 20 },
                 { "a": "sr2", "b": "sg3", "cost": 10 }, { "a": "scsc", "b": "sr1", "cost": 10 } ] }
    """
    static let nodes = ["sg1", "sr1", "sr2", "sg2", "sg3", "scsc"]

    static func hops(_ harness: DaemonHarness) -> [String] {
        guard case let .array(hops)? = harness.request("sg1", ["trace", "/B/x"])?["hops"] else { return [] }
        return hops.compactMap { $0["node"]?.stringValue }
    }

    static func integer(_ value: JSONValue?) -> Int64? {
        if case let .integer(number)? = value { return number }
        return nil
    }

    @Test("telemetry from every node; operator and condition policies steer calls; refused paths; restored after a restart; expiry after the SCSC dies")
    func policies() throws {
        let harness = try DaemonHarness("scheduling")
        defer { harness.stopAll() }
        let dir = harness.directory
        let pki = try harness.run("/bin/bash", ["\(Self.repository)/deploy/make-lab-pki.sh", "\(dir)/pki", "scsc", "sg1", "sr1",
                                                "sr2", "sg2", "sg3", "sg9"])
        #expect(pki.status == 0, "\(pki.output)")
        let topology = try Topology.parse(Data(Self.topologyText.utf8), file: "scheduling")
        var options = NodeConfig.RenderOptions()
        options.addressBlock = Self.block
        options.basePort = 17800
        options.schedulerPort = 17790
        options.socketDirectory = harness.socketDirectory
        options.timers = .fast
        options.scheduling = true
        options.pkiDirectory = "\(dir)/pki"
        options.telemetryIntervalMs = 200
        for node in Self.nodes {
            var config = try NodeConfig.render(topology: topology, node: try NodeID(node), options: options)
            if node == "scsc" {
                config.scheduler?.policyLifetimeS = 4
                config.scheduler?.refreshS = 1
                config.scheduler?.conditions.holdS = 1
                config.scheduler?.conditions.rttMs = 300   // well above a loaded machine's probes
                // Probes that fail while the services start would count as
                // loss and steer on their own; this test steers by the other
                // conditions.
                config.scheduler?.conditions.lossPPM = 1_000_000
            }
            config.forwarding.health.httpPath = "/healthz"   // a slow instance shows in its RTT
            config.forwarding.health.intervalMs = 1000
            config.forwarding.health.timeoutMs = 1000   // a slow probe (the slow instance's too) is not a failure
            try harness.write(config)
            let check = try harness.run("\(DaemonHarness.binaries)/\(node == "scsc" ? "damc-scsc" : node.hasPrefix("sg") ? "damc-sg" : "damc-sr")",
                                        ["--config", harness.configPath(node), "--check-config"])
            #expect(check.status == 0, "\(node): \(check.output)")
        }
        var service = try TestService(host: "127.\(Self.block).1.4", port: 9204, name: "b")
        defer { service.stop() }
        let service3 = try TestService(host: "127.\(Self.block).1.5", port: 9205, name: "b3")
        defer { service3.stop() }
        let service3x = try TestService(host: "127.\(Self.block).1.6", port: 9206, name: "b3x")
        defer { service3x.stop() }
        for node in Self.nodes { try harness.start(node) }
        #expect(harness.poll { ForwardingTests.fibHas(harness, "sg1", ["/B"]) })

        // Telemetry: every gateway and router reports, sg2 with its instance.
        #expect(harness.poll {
            guard case let .array(reports)? = harness.request("scsc", ["show", "telemetry"])?["reports"] else { return false }
            let reporters = Set(reports.compactMap { $0["node"]?.stringValue })
            let sg2 = reports.first { $0["node"]?.stringValue == "sg2" }
            guard case let .array(instances)? = sg2?["instances"] else { return false }
            return reporters == ["sg1", "sr1", "sr2", "sg2", "sg3"]
                && instances.contains { $0["prefix"]?.stringValue == "/B" && $0["available"] == .bool(true) }
        }, "\(String(describing: harness.request("scsc", ["show", "telemetry"])))")
        let telemetry = try #require(harness.request("scsc", ["show", "telemetry"]))
        let telemetryProblems = SchemaValidator.validate(telemetry, try #require(SchemaValidator.schema(for: "show telemetry")))
        #expect(telemetryProblems.isEmpty, "\(telemetryProblems)")

        // The FIB's way first: sg1 -> sr1 -> sg2.
        let ingress = "127.\(Self.block).0.1"
        func call() throws -> String? { try HTTPTestClient(host: ingress, port: 18080, timeoutSeconds: 30).request("GET", "/B/x").json?["service"] as? String }
        #expect(try call() == "b")
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")

        // Paths the centre refuses: a node it does not know, a hop that is no link.
        let unknown = harness.requestError("scsc", ["policy", "install", "/B", "sg1,sr9,sg2", "4"])
        #expect(unknown?.contains("sr9 is not in this centre's LSDB") == true, "\(String(describing: unknown))")
        let noLink = harness.requestError("scsc", ["policy", "install", "/B", "sg1,sg2", "4"])
        #expect(noLink?.contains("sg1 and sg2 do not both report a link") == true, "\(String(describing: noLink))")

        // A policy along sg1 -> sr2 -> sg2: installed where the path runs, followed by calls.
        let issued = try #require(harness.request("scsc", ["policy", "install", "/B", "sg1,sr2,sg2", "4"]))
        let id = try #require(Self.integer(issued["id"]))
        #expect(harness.poll {
            guard case let .array(rows)? = harness.request("scsc", ["show", "issued"])?["policies"],
                  case let .array(nodes)? = rows.first?["nodes"] else { return false }
            return nodes.count == 3 && nodes.allSatisfy { $0["status"]?.stringValue == "installed" }
        })
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg2"] }, "\(Self.hops(harness))")
        let before = Self.integer(harness.request("sr2", ["show", "counters"])?["forwarding"]?["relayed"]) ?? 0
        #expect(try call() == "b")
        #expect(harness.poll { (Self.integer(harness.request("sr2", ["show", "counters"])?["forwarding"]?["relayed"]) ?? 0) > before })
        guard case let .array(atSR1)? = harness.request("sr1", ["show", "policies"])?["policies"] else {
            Issue.record("sr1 show policies")
            return
        }
        #expect(atSR1.isEmpty)   // not on the path: never sent there
        guard case let .array(atSG1)? = harness.request("sg1", ["show", "policies"])?["policies"] else {
            Issue.record("sg1 show policies")
            return
        }
        #expect(atSG1.map { Self.integer($0["id"]) } == [id])
        for command in ["show issued", "show policies"] {
            let reply = try #require(harness.request(command == "show issued" ? "scsc" : "sg1", command.split(separator: " ").map(String.init)))
            let problems = SchemaValidator.validate(reply, try #require(SchemaValidator.schema(for: command)))
            #expect(problems.isEmpty, "\(command): \(problems)")
        }

        // Withdrawn: the FIB's way again.
        #expect(harness.request("scsc", ["policy", "withdraw", "\(id)"]) != nil)
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")

        // A policy with a target instance: sg3 hands every call to that one
        // of its two instances. Only a path that ends at a gateway may name one.
        let toRouter = harness.requestError("scsc", ["policy", "install", "/B", "sg1,sr2", "4", "127.\(Self.block).1.6:9206"])
        #expect(toRouter?.contains("ends at a gateway") == true, "\(String(describing: toRouter))")
        let pinned = try #require(harness.request("scsc", ["policy", "install", "/B", "sg1,sr2,sg3", "4", "127.\(Self.block).1.6:9206"]))
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] }, "\(Self.hops(harness))")
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] && (try? call()) == "b3x" })
        let pinnedCalls = try (0..<12).map { _ in try call() }
        #expect(pinnedCalls == Array(repeating: "b3x", count: 12),   // (by chance: 1 in 4,096)
                "\(pinnedCalls); \(String(describing: harness.request("scsc", ["show", "issued"]))); \(String(describing: harness.request("sg3", ["show", "instances"])))")
        #expect(harness.request("scsc", ["policy", "withdraw", "\(Self.integer(pinned["id"]) ?? 0)"]) != nil)
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")

        // A policy bound to flow class 7 steers only the calls that carry it.
        func call(class flowClass: String) throws -> HTTPTestClient.Response {
            try HTTPTestClient(host: ingress, port: 18080, timeoutSeconds: 30).request("GET", "/B/x", headers: ["DAMC-Flow-Class: \(flowClass)"])
        }
        let badClass = harness.requestError("scsc", ["policy", "install", "/B", "sg1,sr2,sg3", "class=300"])
        #expect(badClass?.contains("not 0 to 255") == true, "\(String(describing: badClass))")
        let classed = try #require(harness.request("scsc", ["policy", "install", "/B", "sg1,sr2,sg3", "lifetime=4",
                                                           "instance=127.\(Self.block).1.6:9206", "class=7"]))
        #expect(harness.poll { (try? call(class: "7"))?.json?["service"] as? String == "b3x" })
        #expect(try (0..<6).map { _ in try call(class: "7").json?["service"] as? String } == Array(repeating: "b3x", count: 6))
        #expect(try call(class: "8").json?["service"] as? String == "b")
        #expect(try call() == "b")
        let refused = try call(class: "seven")
        #expect(refused.status == 400 && refused.text.contains("DAMC-Flow-Class"), "\(refused.text)")
        let issuedClass = harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue?.first
        #expect(issuedClass?["flow_class"] == .int(7) && issuedClass?["target_instance"] == .string("127.\(Self.block).1.6:9206"))
        #expect(harness.request("scsc", ["policy", "withdraw", "\(Self.integer(classed["id"]) ?? 0)"]) != nil)

        /// The instance at sg3 that sg1's policy names, as its service name.
        func targeted() -> String? {
            let target = harness.request("sg1", ["show", "policies"])?["policies"]?.arrayValue?.first?["target_instance"]?.stringValue
            return ["127.\(Self.block).1.5:9205": "b3", "127.\(Self.block).1.6:9206": "b3x"][target ?? ""]
        }

        // A condition breaks: sg2's only instance goes down. The centre steers
        // sg1's calls to sg3 by CCDR, and withdraws the policy once sg2's
        // instance is back.
        service.stop()
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] }, "\(Self.hops(harness))")
        guard case let .array(automatic)? = harness.request("scsc", ["show", "issued"])?["policies"] else {
            Issue.record("show issued")
            return
        }
        #expect(automatic.count == 1)
        #expect(automatic.first?["reason"]?.stringValue?.contains("sg2") == true, "\(automatic)")
        // The centre names sg3's fastest instance, and sg3 honours it.
        #expect(harness.poll { targeted() != nil }, "\(String(describing: harness.request("sg1", ["show", "policies"])))")
        let target = targeted()
        #expect(try (0..<10).map { _ in try call() } == Array(repeating: target, count: 10))
        // The SCSC restarts: it learns the LSDB and the telemetry again and
        // issues the policy anew (a new id), which sg1 installs.
        let firstID = Self.integer(automatic.first?["id"])
        _ = harness.signal("scsc", SIGKILL)
        try harness.start("scsc")
        #expect(harness.poll {
            guard let rows = harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue, rows.count == 1,
                  let id = Self.integer(rows[0]["id"]), id != firstID else { return false }
            return harness.request("sg1", ["show", "policies"])?["policies"]?.arrayValue?.contains { Self.integer($0["id"]) == id } == true
        })
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] }, "\(Self.hops(harness))")
        service = try TestService(host: "127.\(Self.block).1.4", port: 9204, name: "b")
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")
        #expect(harness.poll { harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue?.isEmpty == true })

        // sg2's instance turns slow (every answer 600 ms late, over the
        // 300 ms RTT limit): the centre steers sg1's calls to sg3's instance,
        // and back once it is fast again.
        func slowDown(_ ms: Int) throws -> Bool {
            try HTTPTestClient(host: "127.\(Self.block).1.4", port: 9204, timeoutSeconds: 10)
                .request("GET", "/admin/delay?ms=\(ms)").status == 200
        }
        #expect(try slowDown(600))
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] }, "\(Self.hops(harness))")
        let slowReason = harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue?.first?["reason"]?.stringValue
        #expect(slowReason?.contains("over 300 ms") == true, "\(slowReason ?? "no policy")")
        #expect(harness.poll { targeted() != nil })
        let slowTarget = targeted()
        #expect(try (0..<10).map { _ in try call() } == Array(repeating: slowTarget, count: 10))
        #expect(try slowDown(0))
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")
        #expect(try call() == "b")

        // Telemetry that lies is refused and counted; the centre keeps serving.
        // (A loss over 1,000,000 ppm never gets this far: the codec refuses it.)
        for (certificate, reporter, rtt, counter) in [("sg9", "sg9", UInt32(10), "telemetry_unknown_node"),
                                                      ("sg1", "sg2", 10, "telemetry_wrong_reporter"),
                                                      ("sg1", "sg1", 100_000_000, "telemetry_out_of_range")] {
            let bad = Telemetry(reporter: try NodeID(reporter), timestampMs: 1, instances: [
                InstanceReport(prefix: try ServiceName("/B"), endpoint: Endpoint(address: .v4(127, 0, 0, 1), port: 1),
                               rttMicros: rtt, lossPPM: 0, available: true)])
            // The session stays open until the counter moved: closing with the
            // centre's own messages unread would reset it and lose ours.
            let session = try Self.send(harness, certificate: certificate, DAMCMessage.telemetry(bad).encode())
            defer { session?.close() }
            #expect(harness.poll { (Self.integer(harness.request("scsc", ["show", "telemetry"])?["counters"]?[counter]) ?? 0) >= 1 },
                    "\(counter): \(String(describing: harness.request("scsc", ["show", "telemetry"])?["counters"]))")
        }
        // Acknowledgements for a policy never issued, or naming another node.
        for (node, counter) in [("sg1", "acks_unknown"), ("sg2", "acks_wrong_node")] {
            let ack = PolicyAck(policyID: 12_345, version: 9, node: try NodeID(node), status: .installed)
            let session = try Self.send(harness, certificate: "sg1", DAMCMessage.policyAck(ack).encode())
            defer { session?.close() }
            #expect(harness.poll { (Self.integer(harness.request("scsc", ["show", "telemetry"])?["counters"]?[counter]) ?? 0) >= 1 },
                    "\(counter)")
        }
        #expect(harness.request("scsc", ["show", "version"]) != nil)

        // A link congests: sg2's answers (256 KiB each) fill the 1 Mb/s
        // sr1-sg2 link. The centre steers sg1's calls around it, to sg3 over
        // sr2, and back once the load is gone (after its 1 s hold-down).
        let load = LoadGenerator(host: ingress, port: 18080, path: "/B/blob?size=262144")
        load.start()
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg3"] },
                "\(Self.hops(harness)); calls \(load.calls); \(String(describing: harness.request("scsc", ["show", "telemetry"])?["reports"]?.arrayValue?.first { $0["node"]?.stringValue == "sg2" }))")
        let reason = harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue?.first?["reason"]?.stringValue
        #expect(reason?.contains("over 90%") == true, "\(String(describing: reason))")
        load.stop()
        #expect(load.calls > 0)
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")
        #expect(harness.poll { harness.request("scsc", ["show", "issued"])?["policies"]?.arrayValue?.isEmpty == true })

        // The SCSC dies: a policy lives out its 4 s at each node, then the FIB rules.
        #expect(harness.request("scsc", ["policy", "install", "/B", "sg1,sr2,sg2", "4"]) != nil)
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr2", "sg2"] }, "\(Self.hops(harness))")
        _ = harness.signal("scsc", SIGKILL)
        #expect(harness.poll { Self.hops(harness) == ["sg1", "sr1", "sg2"] }, "\(Self.hops(harness))")
        #expect(harness.poll { (Self.integer(harness.request("sg1", ["show", "policies"])?["expiries"]) ?? 0) >= 1 })
        #expect(try call() == "b")
    }

    /// Connects to the SCSC with `certificate`'s lab certificate and sends
    /// `bytes` once the TLS session is up (bounded: 10 s); the session,
    /// for the caller to close.
    static func send(_ harness: DaemonHarness, certificate node: String, _ bytes: [UInt8]) throws -> TLSSession? {
        let dir = harness.directory
        let loop = try EventLoop()
        let context = try TLSContext(role: .client, certificateFile: "\(dir)/pki/\(node).crt",
                                     privateKeyFile: "\(dir)/pki/\(node).key", caFile: "\(dir)/pki/ca.crt")
        // Rendered addresses follow the topology's node order (1-based).
        let scsc = nodes.firstIndex(of: "scsc")! + 1
        let fd = try TCPSocket.connect(try TransportAddress(host: "127.\(block).0.\(scsc)", port: 17790))
        var session: TLSSession?
        var connecting: EventLoop.Registration?
        connecting = try loop.register(fd, events: EventLoop.writable) { _ in
            loop.unregister(connecting!)
            guard TCPSocket.connectionError(fd) == 0,
                  let tls = try? TLSSession(fd: fd, context: context, loop: loop, expectedPeer: "scsc") else {
                loop.stop()
                return
            }
            session = tls
            tls.onEstablished = { [unowned tls] in
                tls.sendRaw(bytes)
                loop.stop()
            }
            tls.onClose = { _ in loop.stop() }
        }
        loop.schedule(after: .seconds(10)) { loop.stop() }
        try loop.run()
        return session
    }
}

/// Calls a URL over and over on a thread of its own until stopped: load
/// for the congestion test.
final class LoadGenerator: @unchecked Sendable {
    let host: String
    let port: UInt16
    let path: String
    private let lock = NSLock()
    private var running = false
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(host: String, port: UInt16, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    var calls: Int { lock.withLock { count } }

    func start() {
        lock.withLock { running = true }
        Thread {
            while self.lock.withLock({ self.running }) {
                if let client = try? HTTPTestClient(host: self.host, port: self.port, timeoutSeconds: 30),
                   (try? client.request("GET", self.path))?.status == 200 {
                    self.lock.withLock { self.count += 1 }
                }
            }
            self.done.signal()
        }.start()
    }

    /// Stops and waits for the call in flight (bounded by the client's timeout).
    func stop() {
        lock.withLock { running = false }
        done.wait()
    }
}
