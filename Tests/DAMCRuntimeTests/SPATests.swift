import DAMCRuntime
import DAMCServiceKit
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 6 with real processes: damc-spa over TLS 1.3 with client
/// certificates from a lab PKI (deploy/make-lab-pki.sh), two gateways and
/// a router that all check grants.
@Suite("SPA: grants over TLS, denials, revokes, foreign CAs, SPA loss", .serialized)
struct SPATests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("granted prefixes reach every FIB, denied ones none; revoke withdraws; a foreign CA is refused; grants outlive the SPA until they expire")
    func spa() throws {
        let harness = try DaemonHarness("spa")
        defer { harness.stopAll() }
        let dir = harness.directory
        let pki = try harness.run("/bin/bash", ["\(Self.repository)/deploy/make-lab-pki.sh", "\(dir)/pki", "spa", "sg1", "sg2"])
        #expect(pki.status == 0, "\(pki.output)")
        let evil = try harness.run("/bin/bash", ["\(Self.repository)/deploy/make-lab-pki.sh", "\(dir)/evil", "sg3", "--ca-name", "Other CA"])
        #expect(evil.status == 0, "\(evil.output)")
        let keygen = try harness.run("\(DaemonHarness.binaries)/damc-spa", ["keygen", "--out", "\(dir)/grant.key"])
        #expect(keygen.status == 0, "\(keygen.output)")
        try """
        { "rules": [
            { "prefix": "/shop/**", "gateways": ["sg1"], "pods": ["pod1"], "action": "allow" },
            { "prefix": "/shop/pay", "gateways": ["sg2"], "pods": ["pod2"], "action": "allow" },
            { "prefix": "/shop/admin", "gateways": "*", "pods": "*", "action": "deny" } ] }
        """.write(toFile: "\(dir)/policy.json", atomically: true, encoding: .utf8)
        let spaAddress = try TransportAddress(host: "127.50.0.9", port: 17400)
        var spa = SPAConfig(nodeID: try NodeID("spa"), listen: spaAddress,
                            tls: TLSFiles(certificateFile: "\(dir)/pki/spa.crt", privateKeyFile: "\(dir)/pki/spa.key", caFile: "\(dir)/pki/ca.crt"),
                            signingKeyID: try KeyID("spa1"), signingKeyFile: "\(dir)/grant.key", policyFile: "\(dir)/policy.json")
        spa.managementSocket = "\(harness.socketDirectory)/spa.sock"
        spa.grantLifetimeS = 20
        try spa.jsonText().write(toFile: harness.configPath("spa"), atomically: true, encoding: .utf8)
        let check = try harness.run("\(DaemonHarness.binaries)/damc-spa", ["--config", harness.configPath("spa"), "--check-config"])
        #expect(check.status == 0, "\(check.output)")

        // sg1 - sr1 - sg2, and sg3 (certificate from another CA) alone.
        let topology = Topology(name: "spa", nodes: [
            .init(id: try NodeID("sg1"), role: .gateway, services: [
                .init(prefix: try ServiceName("/shop/cart"), pod: try PodID("pod1")),
                .init(prefix: try ServiceName("/shop/admin"), pod: try PodID("pod1"))]),
            .init(id: try NodeID("sr1"), role: .router),
            .init(id: try NodeID("sg2"), role: .gateway, services: [
                .init(prefix: try ServiceName("/shop/pay"), pod: try PodID("pod2"),
                      endpoints: [Endpoint(address: try IPAddress(bytes: [127, 50, 0, 101]), port: 8080)]),
                .init(prefix: try ServiceName("/billing"), pod: try PodID("pod2"))]),
            .init(id: try NodeID("sg3"), role: .gateway, services: [.init(prefix: try ServiceName("/evil"), pod: try PodID("pod3"))]),
        ], links: [.init(a: try NodeID("sg1"), b: try NodeID("sr1")), .init(a: try NodeID("sr1"), b: try NodeID("sg2"))])
        try harness.render(topology, nodes: ["sg1", "sr1", "sg2", "sg3"], block: 50)
        for node in ["sg1", "sr1", "sg2", "sg3"] {
            var config = harness.configs[node]!
            config.grantKeys = [NodeConfig.GrantKey(keyID: try KeyID("spa1"), publicKeyFile: "\(dir)/grant.key.pub")]
            if node == "sg1" {
                config.pods = NodeConfig.PodAccess(socket: "\(dir)/sg1.pods.sock", uids: [getuid(): try PodID("pod1")])
            }
            if config.role == .gateway {
                let pki = node == "sg3" ? "evil" : "pki"
                config.spa = SPAClientConfig(address: spaAddress, nodeID: try NodeID("spa"),
                                             tls: TLSFiles(certificateFile: "\(dir)/\(pki)/\(node).crt",
                                                           privateKeyFile: "\(dir)/\(pki)/\(node).key", caFile: "\(dir)/pki/ca.crt"))
            }
            try harness.write(config)
        }
        try harness.start("spa")
        #expect(harness.poll { harness.request("spa", ["show", "version"]) != nil })
        for node in ["sg1", "sr1", "sg2", "sg3"] { try harness.start(node) }

        func fib(_ node: String) -> [String]? {
            harness.request(node, ["show", "fib"])?["entries"]?.arrayValue?.compactMap { $0["prefix"]?.stringValue }.sorted()
        }
        func pods(_ node: String) -> [String: JSONValue] {
            var result: [String: JSONValue] = [:]
            for pod in harness.request(node, ["show", "pods"])?["pods"]?.arrayValue ?? [] {
                if let prefix = pod["prefix"]?.stringValue { result[prefix] = pod }
            }
            return result
        }
        // Granted prefixes everywhere; denied ones nowhere.
        #expect(harness.poll { fib("sr1") == ["/shop/cart", "/shop/pay"] }, "sr1 \(fib("sr1") ?? [])")
        #expect(harness.poll { fib("sg2") == ["/shop/cart", "/shop/pay"] && fib("sg1") == ["/shop/cart", "/shop/pay"] })
        #expect(harness.poll { pods("sg1")["/shop/admin"]?["status"]?.stringValue == "denied" })
        #expect(pods("sg1")["/shop/admin"]?["reason"]?.stringValue?.contains("rules[2] denies it") == true, "\(pods("sg1"))")
        #expect(pods("sg2")["/billing"]?["reason"]?.stringValue?.contains("no rule allows it") == true, "\(pods("sg2"))")
        #expect(pods("sg1")["/shop/cart"]?["status"]?.stringValue == "granted")
        // A configured instance stands behind its gateway with an SPA too
        // (no pod registration needed; the lab found it missing once).
        let configured = harness.request("sg2", ["show", "instances"])?["instances"]?.arrayValue ?? []
        #expect(configured.compactMap { $0["endpoint"]?.stringValue } == ["127.50.0.101:8080"], "\(configured)")
        // The foreign-CA gateway never gets a session, so never a grant.
        #expect(harness.poll { (harness.request("spa", ["show", "counters"])?["counters"]?["handshakes_failed"]?.integerValue ?? 0) >= 1 })
        #expect(pods("sg3")["/evil"]?["status"]?.stringValue == "pending")
        #expect(harness.request("sg3", ["show", "pods"])?["spa_connected"] == .bool(false))
        #expect(fib("sr1") == ["/shop/cart", "/shop/pay"])

        // Class 1: our uid is pod1 on sg1. An allowed prefix is pending, then
        // granted, and reaches the FIBs; a denied one and a wrong pod id are refused.
        let endpoint = Endpoint(address: try IPAddress(bytes: [127, 50, 0, 100]), port: 8080)
        let items = ServiceRegistration(socketPath: "\(dir)/sg1.pods.sock", pod: try PodID("pod1"),
                                        prefix: try ServiceName("/shop/items"), endpoint: endpoint)
        let first = try items.announce(waitForFinal: false)
        #expect(first.status == .pending, "\(first)")
        let final = try items.announce(waitForFinal: true)
        #expect(final.status == .granted && final.grantExpiry != nil, "\(final)")
        #expect(harness.poll { fib("sr1") == ["/shop/cart", "/shop/items", "/shop/pay"] }, "sr1 \(fib("sr1") ?? [])")
        #expect(pods("sg1")["/shop/items"]?["endpoints"] == .array([.string(endpoint.description)]))
        let admin = ServiceRegistration(socketPath: "\(dir)/sg1.pods.sock", pod: try PodID("pod1"),
                                        prefix: try ServiceName("/billing/x"), endpoint: endpoint)
        let refused = try admin.announce(waitForFinal: true)
        #expect(refused.status == .denied && refused.reason == .notAuthorized, "\(refused)")
        let impostor = ServiceRegistration(socketPath: "\(dir)/sg1.pods.sock", pod: try PodID("pod9"),
                                           prefix: try ServiceName("/shop/x"), endpoint: endpoint)
        let wrongPod = try impostor.announce()
        #expect(wrongPod.status == .denied && wrongPod.reason == .unknownPod, "\(wrongPod)")
        #expect(try items.withdraw().status == .granted)
        #expect(harness.poll { fib("sr1") == ["/shop/cart", "/shop/pay"] }, "sr1 \(fib("sr1") ?? [])")

        // Every reply of the SPA and of a gateway's SPA commands matches docs/schemas/management.json.
        let replies: [(String, String, [String])] = [
            ("spa show grants", "spa", ["show", "grants"]), ("spa show sessions", "spa", ["show", "sessions"]),
            ("spa show counters", "spa", ["show", "counters"]), ("spa show version", "spa", ["show", "version"]),
            ("show pods", "sg1", ["show", "pods"]), ("show grants", "sg1", ["show", "grants"]),
            ("show counters", "sg1", ["show", "counters"]), ("show counters", "sr1", ["show", "counters"]),
        ]
        for (schemaName, node, args) in replies {
            guard let reply = harness.request(node, args), let schema = SchemaValidator.schema(for: schemaName) else {
                Issue.record("no reply or schema for \(node) \(args)")
                continue
            }
            let problems = SchemaValidator.validate(reply, schema)
            #expect(problems.isEmpty, "\(node) \(args.joined(separator: " ")): \(problems)")
        }
        #expect(harness.request("sg1", ["show", "grants"])?["grants"]?.arrayValue?.count == 1)

        // Revoke /shop/pay on the SPA: sg2 withdraws it, every FIB loses it.
        let grants = harness.request("spa", ["show", "grants"])?["grants"]?.arrayValue ?? []
        let pay = grants.first { $0["prefix"]?.stringValue == "/shop/pay" }?["serial"]?.integerValue
        #expect(pay != nil, "\(grants)")
        let revoked = harness.request("spa", ["revoke", String(pay ?? 0)])
        #expect(revoked?["delivered"] == .bool(true))
        if let revoked, let schema = SchemaValidator.schema(for: "spa revoke") {
            #expect(SchemaValidator.validate(revoked, schema).isEmpty)
        }
        #expect(harness.poll { fib("sr1") == ["/shop/cart"] && fib("sg1") == ["/shop/cart"] }, "sr1 \(fib("sr1") ?? [])")
        #expect(pods("sg2")["/shop/pay"]?["status"]?.stringValue == "revoked")

        // Kill the SPA: existing grants stand (sg1 still advertises), until they expire.
        harness.signal("spa", SIGKILL)
        #expect(harness.poll { harness.request("sg1", ["show", "pods"])?["spa_connected"] == .bool(false) })
        #expect(fib("sr1") == ["/shop/cart"])
        #expect(pods("sg1")["/shop/cart"]?["status"]?.stringValue == "granted")
        #expect(harness.poll { fib("sr1") == [] }, "sr1 \(fib("sr1") ?? [])")
        // The gateway drops it at the same expiry, on its own timer.
        #expect(harness.poll { pods("sg1")["/shop/cart"]?["status"]?.stringValue == "pending" }, "\(pods("sg1"))")
    }
}

/// The SPA under bad input: garbage inside a TLS session, a request for a
/// gateway the certificate does not name, a contradictory policy on SIGHUP.
@Suite("SPA under bad input", .serialized)
struct SPABadInputTests {
    /// Connects to the SPA as gateway `node` (its lab certificate) with the
    /// runtime's own TLS session on a private event loop, sends `bytes`,
    /// and returns the first message the SPA answers, or nil when the
    /// session closes first (bounded: the loop stops after 10 s at most).
    static func exchange(_ harness: DaemonHarness, certificate node: String, _ bytes: [UInt8]) throws -> DAMCMessage? {
        let dir = harness.directory
        let loop = try EventLoop()
        let context = try TLSContext(role: .client, certificateFile: "\(dir)/pki/\(node).crt",
                                     privateKeyFile: "\(dir)/pki/\(node).key", caFile: "\(dir)/pki/ca.crt")
        let fd = try TCPSocket.connect(try TransportAddress(host: "127.51.0.9", port: 17400))
        var answer: DAMCMessage?
        var session: TLSSession?
        var connecting: EventLoop.Registration?
        connecting = try loop.register(fd, events: EventLoop.writable) { _ in
            loop.unregister(connecting!)
            guard TCPSocket.connectionError(fd) == 0, let tls = try? TLSSession(fd: fd, context: context, loop: loop, expectedPeer: "spa") else {
                loop.stop()
                return
            }
            session = tls
            tls.onEstablished = { [unowned tls] in tls.sendRaw(bytes) }
            tls.onMessage = { message in answer = message; loop.stop() }
            tls.onClose = { _ in loop.stop() }
        }
        loop.schedule(after: .seconds(10)) { loop.stop() }
        try loop.run()
        session?.close()
        return answer
    }

    @Test("malformed frames drop only that session; a gateway asking for another is denied; a bad policy reload is refused")
    func badInput() throws {
        let harness = try DaemonHarness("spa-bad")
        defer { harness.stopAll() }
        let dir = harness.directory
        #expect(try harness.run("/bin/bash", ["\(SPATests.repository)/deploy/make-lab-pki.sh", "\(dir)/pki", "spa", "sg1"]).status == 0)
        #expect(try harness.run("\(DaemonHarness.binaries)/damc-spa", ["keygen", "--out", "\(dir)/grant.key"]).status == 0)
        let allowAll = #"{ "rules": [ { "prefix": "/**", "gateways": "*", "pods": "*", "action": "allow" } ] }"#
        try allowAll.write(toFile: "\(dir)/policy.json", atomically: true, encoding: .utf8)
        var spa = SPAConfig(nodeID: try NodeID("spa"), listen: try TransportAddress(host: "127.51.0.9", port: 17400),
                            tls: TLSFiles(certificateFile: "\(dir)/pki/spa.crt", privateKeyFile: "\(dir)/pki/spa.key", caFile: "\(dir)/pki/ca.crt"),
                            signingKeyID: try KeyID("spa1"), signingKeyFile: "\(dir)/grant.key", policyFile: "\(dir)/policy.json")
        spa.managementSocket = "\(harness.socketDirectory)/spa.sock"
        try spa.jsonText().write(toFile: harness.configPath("spa"), atomically: true, encoding: .utf8)
        try harness.start("spa")
        #expect(harness.poll { harness.request("spa", ["show", "version"]) != nil })
        func counter(_ name: String) -> Int64 {
            harness.request("spa", ["show", "counters"])?["counters"]?[name]?.integerValue ?? 0
        }
        func request(gateway: String, prefix: String) -> [UInt8] {
            AuthRequest(requestID: 9, gateway: try! NodeID(gateway), pod: try! PodID("pod1"), prefix: try! ServiceName(prefix),
                        nonce: Array(repeating: 7, count: 16)).encode()
        }

        // A valid request: a grant.
        let granted = try Self.exchange(harness, certificate: "sg1", request(gateway: "sg1", prefix: "/shop"))
        guard case let .authGrant(grant)? = granted else { Issue.record("expected a grant, got \(String(describing: granted))"); return }
        #expect(grant.grant.gateway.rawValue == "sg1" && grant.requestID == 9)

        // Garbage inside TLS: that session is dropped, counted in the log, nothing else.
        #expect(try Self.exchange(harness, certificate: "sg1", Array(repeating: 0xFF, count: 64)) == nil)
        #expect(harness.poll { harness.log("spa").contains("malformed") })

        // sg1's certificate asking for sg2: a typed denial.
        let other = try Self.exchange(harness, certificate: "sg1", request(gateway: "sg2", prefix: "/shop"))
        guard case let .authDeny(deny)? = other else { Issue.record("expected a denial, got \(String(describing: other))"); return }
        #expect(deny.reason == .unknownGateway)
        #expect(deny.reasonText?.contains("names 'sg1'") == true)

        // A contradictory policy on SIGHUP: refused, the old one keeps granting.
        try #"{ "rules": [ { "prefix": "/a", "gateways": "*", "pods": "*", "action": "allow" }, { "prefix": "/a", "gateways": "*", "pods": "*", "action": "deny" } ] }"#
            .write(toFile: "\(dir)/policy.json", atomically: true, encoding: .utf8)
        harness.signal("spa", SIGHUP, wait: false)
        #expect(harness.poll { counter("reloads_refused") == 1 })
        #expect(harness.log("spa").contains("contradicts rules[0]"))
        let again = try Self.exchange(harness, certificate: "sg1", request(gateway: "sg1", prefix: "/other"))
        if case .authGrant? = again {} else { Issue.record("the old policy should still grant: \(String(describing: again))") }
        #expect(counter("granted") == 2 && counter("denied") == 1)
        #expect(harness.request("spa", ["show", "version"])?["program"]?.stringValue == "damc-spa")
    }
}
