import DAMCRuntime
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
        spa.grantLifetimeS = 12
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
                .init(prefix: try ServiceName("/shop/pay"), pod: try PodID("pod2")),
                .init(prefix: try ServiceName("/billing"), pod: try PodID("pod2"))]),
            .init(id: try NodeID("sg3"), role: .gateway, services: [.init(prefix: try ServiceName("/evil"), pod: try PodID("pod3"))]),
        ], links: [.init(a: try NodeID("sg1"), b: try NodeID("sr1")), .init(a: try NodeID("sr1"), b: try NodeID("sg2"))])
        try harness.render(topology, nodes: ["sg1", "sr1", "sg2", "sg3"], block: 50)
        for node in ["sg1", "sr1", "sg2", "sg3"] {
            var config = harness.configs[node]!
            config.grantKeys = [NodeConfig.GrantKey(keyID: try KeyID("spa1"), publicKeyFile: "\(dir)/grant.key.pub")]
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
        // The foreign-CA gateway never gets a session, so never a grant.
        #expect(harness.poll { (harness.request("spa", ["show", "counters"])?["counters"]?["handshakes_failed"]?.integerValue ?? 0) >= 1 })
        #expect(pods("sg3")["/evil"]?["status"]?.stringValue == "pending")
        #expect(harness.request("sg3", ["show", "pods"])?["spa_connected"] == .bool(false))
        #expect(fib("sr1") == ["/shop/cart", "/shop/pay"])

        // Revoke /shop/pay on the SPA: sg2 withdraws it, every FIB loses it.
        let grants = harness.request("spa", ["show", "grants"])?["grants"]?.arrayValue ?? []
        let pay = grants.first { $0["prefix"]?.stringValue == "/shop/pay" }?["serial"]?.integerValue
        #expect(pay != nil, "\(grants)")
        let revoked = harness.request("spa", ["revoke", String(pay ?? 0)])
        #expect(revoked?["delivered"] == .bool(true))
        #expect(harness.poll { fib("sr1") == ["/shop/cart"] && fib("sg1") == ["/shop/cart"] }, "sr1 \(fib("sr1") ?? [])")
        #expect(pods("sg2")["/shop/pay"]?["status"]?.stringValue == "revoked")

        // Kill the SPA: existing grants stand (sg1 still advertises), until they expire.
        harness.signal("spa", SIGKILL)
        #expect(harness.poll { harness.request("sg1", ["show", "pods"])?["spa_connected"] == .bool(false) })
        #expect(fib("sr1") == ["/shop/cart"])
        #expect(pods("sg1")["/shop/cart"]?["status"]?.stringValue == "granted")
        #expect(harness.poll(timeout: .seconds(40)) { fib("sr1") == [] }, "sr1 \(fib("sr1") ?? [])")
        #expect(pods("sg1")["/shop/cart"]?["status"]?.stringValue == "pending")
    }
}
