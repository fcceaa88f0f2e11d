import DAMCRuntime
import DAMCServiceKit
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP reloads, sd_notify, SIGTERM (issue 5).
@Suite("Daemon lifecycle", .serialized)
struct LifecycleTests {
    static func interfaceCost(_ harness: DaemonHarness, link: Int64) -> Int64? {
        harness.request("r9", ["show", "interfaces"])?["interfaces"]?.arrayValue?
            .first { $0["link"]?.integerValue == link }?["cost"]?.integerValue
    }

    static func runtimeCounter(_ harness: DaemonHarness, _ name: String) -> Int64? {
        harness.request("r9", ["show", "counters"])?["runtime"]?[name]?.integerValue
    }

    @Test("SIGHUP applies a good config (cost change, link added) and refuses a bad one, keeping the old")
    func reload() throws {
        let harness = try DaemonHarness("reload")
        defer { harness.stopAll() }
        var config = try BadInputTests.singleLinkConfig(block: 44, harness: harness)
        try harness.write(config)
        try harness.start("r9")
        #expect(harness.poll { Self.interfaceCost(harness, link: 1) == 10 })
        var status = stat()
        #expect(stat("\(harness.socketDirectory)/r9.sock", &status) == 0 && status.st_mode & 0o777 == 0o660)

        config.links[0].cost = 25
        config.timers.helloMs = 200
        config.timers.deadMs = 900
        config.links.append(NodeConfig.Link(id: 2, name: "second", local: try TransportAddress(host: "127.44.0.1", port: 17101),
                                            peer: try TransportAddress(host: "127.44.0.3", port: 17101)))
        try harness.write(config)
        harness.signal("r9", SIGHUP, wait: false)
        #expect(harness.poll { Self.runtimeCounter(harness, "reloads") == 1 })
        #expect(Self.interfaceCost(harness, link: 1) == 25)
        #expect(harness.request("r9", ["show", "interfaces"])?["interfaces"]?.arrayValue?.count == 2)
        let timers = harness.request("r9", ["show", "version"])?["timers"]
        #expect(timers?["hello_ms"]?.integerValue == 200 && timers?["dead_ms"]?.integerValue == 900)

        // An unknown key: refused with the file and key path in the log; the old config runs on.
        var text = config.jsonText()
        text = text.replacingOccurrences(of: "\"node_id\"", with: "\"bogus\": 1, \"node_id\"")
        text = text.replacingOccurrences(of: "\"cost\": 25", with: "\"cost\": 99")
        try text.write(toFile: harness.configPath("r9"), atomically: true, encoding: .utf8)
        harness.signal("r9", SIGHUP, wait: false)
        #expect(harness.poll { Self.runtimeCounter(harness, "reloads_refused") == 1 })
        #expect(Self.interfaceCost(harness, link: 1) == 25)
        #expect(harness.log("r9").contains("reload refused"))
        #expect(harness.log("r9").contains("\(harness.configPath("r9")): bogus: unknown key"))

        // Changing the node id is refused too.
        var renamed = config
        renamed.nodeID = try NodeID("r10")
        try renamed.jsonText().write(toFile: harness.configPath("r9"), atomically: true, encoding: .utf8)
        harness.signal("r9", SIGHUP, wait: false)
        #expect(harness.poll { Self.runtimeCounter(harness, "reloads_refused") == 2 })
        #expect(harness.request("r9", ["show", "version"])?["node"]?.stringValue == "r9")

        let stopped = harness.signal("r9", SIGTERM)
        #expect(stopped?.status == 0 && stopped?.reason == .exit)
    }

    @Test("SIGHUP on a gateway applies a new service list: its prefix LSA follows")
    func reloadServices() throws {
        let harness = try DaemonHarness("reload-sg")
        defer { harness.stopAll() }
        var config = try BadInputTests.singleLinkConfig(block: 47, harness: harness)
        config.role = .gateway
        config.services = [Topology.Service(prefix: try ServiceName("/shop/cart"), pod: try PodID("pod1"))]
        try harness.write(config)
        try harness.start("r9")
        func prefixes() -> [String]? {
            harness.request("r9", ["show", "lsdb", "--detail", "r9"])?["lsas"]?.arrayValue?
                .flatMap { ($0["prefixes"]?.arrayValue ?? []).compactMap { $0["prefix"]?.stringValue } }
        }
        #expect(harness.poll { prefixes() == ["/shop/cart"] }, "\(prefixes() ?? [])")
        config.services.append(Topology.Service(prefix: try ServiceName("/shop/pay"), pod: try PodID("pod1"), metric: 5))
        try harness.write(config)
        harness.signal("r9", SIGHUP, wait: false)
        #expect(harness.poll { prefixes()?.sorted() == ["/shop/cart", "/shop/pay"] }, "\(prefixes() ?? [])")
        config.services.removeFirst()
        try harness.write(config)
        harness.signal("r9", SIGHUP, wait: false)
        #expect(harness.poll { prefixes() == ["/shop/pay"] }, "\(prefixes() ?? [])")
    }

    @Test("a second daemon can take neither a bound link address nor a live management socket")
    func exclusive() throws {
        let harness = try DaemonHarness("exclusive")
        defer { harness.stopAll() }
        let config = try BadInputTests.singleLinkConfig(block: 46, harness: harness)
        try harness.write(config)
        try harness.start("r9")
        #expect(harness.poll { harness.request("r9", ["show", "version"]) != nil })
        func runSecond(_ second: NodeConfig) throws -> (Int32, String) {
            let path = "\(harness.directory)/second.json"
            try second.jsonText().write(toFile: path, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "\(DaemonHarness.binaries)/damc-sr")
            process.arguments = ["--config", path, "--exit-with-parent"]
            let pipe = Pipe()
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        let (sameStatus, sameText) = try runSecond(config)
        #expect(sameStatus == 1)
        #expect(sameText.contains("bind 127.46.0.1:17100"), "\(sameText)")
        var moved = config
        moved.links[0].local = try TransportAddress(host: "127.46.0.5", port: 17100)
        let (socketStatus, socketText) = try runSecond(moved)
        #expect(socketStatus == 1)
        #expect(socketText.contains("another daemon is listening there"), "\(socketText)")
        #expect(harness.request("r9", ["show", "version"])?["node"]?.stringValue == "r9")
    }

    @Test("sd_notify: READY=1 once bound, WATCHDOG=1 from the loop, STOPPING=1 on SIGTERM")
    func systemdNotify() throws {
        let harness = try DaemonHarness("notify")
        defer { harness.stopAll() }
        try harness.write(try BadInputTests.singleLinkConfig(block: 45, harness: harness))
        // The test plays systemd: a Unix datagram socket named by NOTIFY_SOCKET.
        let path = "\(harness.directory)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        let address = try SocketAddress(unixPath: path)
        #expect(address.withSockaddrForTests { bind(fd, $0, $1) } == 0)
        var limit = timeval(tv_sec: 0, tv_usec: 200_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        try harness.start("r9", environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])

        var messages: [String] = []
        func receive() -> Bool {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
            return count > 0
        }
        #expect(harness.poll {
            _ = receive()
            return messages.contains { $0.contains("READY=1") } && messages.contains { $0.contains("WATCHDOG=1") }
        }, "got \(messages)")
        #expect(messages.first { $0.contains("READY=1") }?.contains("STATUS=") == true)
        // Bound before READY: the management socket answers.
        #expect(harness.request("r9", ["show", "version"]) != nil)
        let stopped = harness.signal("r9", SIGTERM)
        #expect(stopped?.status == 0)
        while receive() {}
        #expect(messages.contains { $0.contains("STOPPING=1") }, "got \(messages)")
    }
}

/// Class 1 without an SPA (issue 6): pods on the Unix socket (uid) and over
/// TCP (token); wrong identities denied; garbage counted; damcctl register.
@Suite("Pods: class 1 registration", .serialized)
struct PodRegistrationTests {
    @Test("announce over the Unix socket and over TCP with a token; refusals; withdraw; malformed input")
    func pods() throws {
        let harness = try DaemonHarness("pods")
        defer { harness.stopAll() }
        let dir = harness.directory
        try "pod2-secret-token-0123456789\n".write(toFile: "\(dir)/pod2.token", atomically: true, encoding: .utf8)
        var config = try BadInputTests.singleLinkConfig(block: 52, harness: harness)
        config.role = .gateway
        config.pods = NodeConfig.PodAccess(socket: "\(dir)/pods.sock", uids: [getuid(): try PodID("pod1")],
                                           listen: try TransportAddress(host: "127.52.0.1", port: 17500),
                                           tokenFiles: [try PodID("pod2"): "pod2.token"])
        try harness.write(config)
        try harness.start("r9")
        #expect(harness.poll { harness.request("r9", ["show", "version"]) != nil })
        func prefixes() -> [String] {
            (harness.request("r9", ["show", "lsdb", "--detail", "r9"])?["lsas"]?.arrayValue ?? [])
                .flatMap { ($0["prefixes"]?.arrayValue ?? []).compactMap { $0["prefix"]?.stringValue } }.sorted()
        }
        let endpoint = Endpoint(address: try IPAddress(bytes: [127, 52, 0, 50]), port: 9000)
        let local = ServiceRegistration(socketPath: "\(dir)/pods.sock", pod: try PodID("pod1"),
                                        prefix: try ServiceName("/local"), endpoint: endpoint)
        #expect(try local.announce().status == .granted)
        let token = Array("pod2-secret-token-0123456789".utf8)
        let remote = ServiceRegistration(gateway: .tcp(host: "127.52.0.1", port: 17500, token: token), pod: try PodID("pod2"),
                                         prefix: try ServiceName("/remote"), endpoint: endpoint)
        #expect(try remote.announce().status == .granted)
        #expect(harness.poll { prefixes() == ["/local", "/remote"] }, "\(prefixes())")

        // Wrong identities: our uid is not pod2; a wrong token; no token for pod1.
        let liar = try ServiceRegistration(socketPath: "\(dir)/pods.sock", pod: PodID("pod2"), prefix: ServiceName("/x"), endpoint: endpoint).announce()
        #expect(liar.status == .denied && liar.reason == .unknownPod && liar.reasonText?.contains("is pod 'pod1'") == true, "\(liar)")
        let badToken = try ServiceRegistration(gateway: .tcp(host: "127.52.0.1", port: 17500, token: Array("wrong-token-wrong-token".utf8)),
                                               pod: PodID("pod2"), prefix: ServiceName("/x"), endpoint: endpoint).announce()
        #expect(badToken.status == .denied && badToken.reasonText?.contains("wrong or missing token") == true, "\(badToken)")
        let noToken = try ServiceRegistration(gateway: .tcp(host: "127.52.0.1", port: 17500, token: token),
                                              pod: PodID("pod1"), prefix: ServiceName("/x"), endpoint: endpoint).announce()
        #expect(noToken.status == .denied && noToken.reasonText?.contains("no token is configured") == true, "\(noToken)")

        // Garbage on the socket: that connection is dropped and counted.
        let garbage = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        _ = try SocketAddress(unixPath: "\(dir)/pods.sock").withSockaddrForTests { connect(garbage, $0, $1) }
        let junk = [UInt8](repeating: 0xFF, count: 32)
        _ = send(garbage, junk, junk.count, 0)
        #expect(harness.poll {
            (harness.request("r9", ["show", "counters"])?["runtime"]?["pod_socket"]?["malformed"]?.integerValue ?? 0) >= 1
        })
        close(garbage)

        // damcctl register/withdraw over the socket; then the library's withdraw.
        let register = try harness.run("\(DaemonHarness.binaries)/damcctl", [
            "register", "--pod-socket", "\(dir)/pods.sock", "--pod", "pod1", "--prefix", "/cli", "--endpoint", "127.52.0.50:9001"])
        #expect(register.status == 0 && register.output.contains("granted"), "\(register.output)")
        let refused = try harness.run("\(DaemonHarness.binaries)/damcctl", [
            "register", "--pod-socket", "\(dir)/pods.sock", "--pod", "pod7", "--prefix", "/cli", "--endpoint", "127.52.0.50:9001"])
        #expect(refused.status == 3 && refused.output.contains("denied"), "\(refused.output)")
        #expect(harness.poll { prefixes() == ["/cli", "/local", "/remote"] }, "\(prefixes())")
        #expect(try remote.withdraw().status == .granted)
        #expect(try local.withdraw().status == .granted)
        #expect(harness.poll { prefixes() == ["/cli"] }, "\(prefixes())")
        let pods = harness.request("r9", ["show", "pods"])?["pods"]?.arrayValue ?? []
        #expect(pods.first { $0["prefix"]?.stringValue == "/cli" }?["endpoints"] == .array([.string("127.52.0.50:9001")]))
    }
}
