import DAMCRouting
import DAMCRuntime
import DAMCSecurity
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A daemon with a key chain and SPA keys, against a neighbour played by
/// the test with its own routing engine on a real UDP socket (issue 6):
/// signed packets form the adjacency; a replayed hello is dropped; of the
/// neighbour's prefixes only the one with a valid grant for it reaches the
/// FIB: a grant for another gateway, a forged one and none are refused.
@Suite("Daemon with packet authentication and grant checks", .serialized)
struct AuthenticatedDaemonTests {
    @Test("signed adjacency; replay dropped; only validly granted prefixes reach the FIB")
    func grantsAndReplay() throws {
        let harness = try DaemonHarness("auth")
        defer { harness.stopAll() }
        let secret = Array("a-shared-secret-of-enough-bytes".utf8)
        try (String(decoding: secret, as: UTF8.self) + "\n").write(toFile: "\(harness.directory)/key1", atomically: true, encoding: .utf8)
        let spa = try Ed25519PrivateKey()
        try spa.publicKey.pem.write(toFile: "\(harness.directory)/spa.pub", atomically: true, encoding: .utf8)
        var config = try BadInputTests.singleLinkConfig(block: 48, harness: harness)
        config.authenticationKeys = [NodeConfig.AuthenticationKey(number: 1, secretFile: "key1")]
        config.grantKeys = [NodeConfig.GrantKey(keyID: try KeyID("spa1"), publicKeyFile: "spa.pub")]
        // The test plays the neighbour only while it polls: a long dead
        // interval keeps a loaded machine from flapping the adjacency.
        config.timers.deadMs = 60_000
        try harness.write(config)
        // Relative key paths resolve against the config's directory.
        let parsed = try NodeConfig.load(path: harness.configPath("r9"))
        #expect(parsed.authenticationKeys.first?.secretFile == "\(harness.directory)/key1")
        try harness.start("r9")

        // The neighbour: a gateway engine with three prefixes.
        let signer = GrantSigner(keyID: try KeyID("spa1"), key: spa)
        let now = WallClock.seconds()
        func grant(_ prefix: String, to gateway: String) throws -> Grant {
            try signer.sign(prefix: try ServiceName(prefix), gateway: try NodeID(gateway), pod: try PodID("pod1"),
                            notBefore: now - 60, notAfter: now + 3600, serial: UInt64(prefix.count))
        }
        var forged = try grant("/forged", to: "tester")
        forged.signature[10] ^= 0x01
        var testerConfig = RoutingConfig(nodeID: try NodeID("tester"), role: .gateway)
        // Fast hellos, but a long dead interval: the test's neighbour runs
        // only while the test polls, and a loaded machine must not flap it.
        testerConfig.helloInterval = .milliseconds(100)
        testerConfig.deadInterval = .seconds(60)
        testerConfig.authenticator = try KeyChain([.init(number: 1, secret: secret)])
        testerConfig.authSequenceStart = WallClock.nanoseconds()
        var tester = RoutingNode(config: testerConfig)
        let peer = try UDPSocket(bind: try TransportAddress(host: "127.48.0.2", port: 17100))
        let daemon = try SocketAddress(try TransportAddress(host: "127.48.0.1", port: 17100))
        var sentHellos: [[UInt8]] = []
        func pump(_ event: RoutingEvent) {
            for case let .send(_, bytes) in tester.handle(event, now: Instant(nanoseconds: MonotonicClock.now())) {
                if case .hello? = try? DAMCMessage.decode(bytes) { sentHellos.append(bytes) }
                peer.send(bytes, to: daemon)
            }
        }
        pump(.linkUp(1, LinkParameters(cost: 10, capacityKbps: 1000)))
        pump(.setPrefixes([
            PrefixEntry(prefix: try ServiceName("/good"), grant: try grant("/good", to: "tester")),
            PrefixEntry(prefix: try ServiceName("/stolen"), grant: try grant("/stolen", to: "sg1")),
            PrefixEntry(prefix: try ServiceName("/forged"), grant: forged),
            PrefixEntry(prefix: try ServiceName("/bare")),
        ]))
        func step() {
            while let datagram = peer.receive(maxBytes: 65536) { pump(.received(1, datagram.bytes)) }
            pump(.tick)
        }
        func fib() -> [String]? {
            harness.request("r9", ["show", "fib"])?["entries"]?.arrayValue?.compactMap { $0["prefix"]?.stringValue }
        }
        func counters() -> JSONValue? { harness.request("r9", ["show", "counters"]) }
        #expect(harness.poll { step(); return fib() == ["/good"] }, "FIB: \(fib() ?? []); counters: \(counters()?.text() ?? "")")
        let reasons = counters()?["runtime"]?["grant_refusals_by_reason"]
        #expect((reasons?["wrong_gateway"]?.integerValue ?? 0) >= 1)
        #expect((reasons?["bad_signature"]?.integerValue ?? 0) >= 1)
        #expect((reasons?["missing"]?.integerValue ?? 0) >= 1)
        #expect(counters()?["routing"]?["prefixes_refused"]?.integerValue == 3)
        #expect(counters()?["routing"]?["auth_bad_mac"]?.integerValue == 0)
        #expect(tester.neighbors.first?.neighbor.state == .up)

        // A replayed hello: dropped and counted, the adjacency stays.
        let replays = counters()?["routing"]?["auth_replays"]?.integerValue ?? 0
        // The first hello, three times on every check: UDP may drop a copy,
        // and a replay is a replay however often it comes (how many hellos
        // the test's neighbour sent depends on how fast the machine is).
        let old = sentHellos.first ?? []
        #expect(!old.isEmpty)
        #expect(harness.poll {
            for _ in 0..<3 { peer.send(old, to: daemon) }
            step()
            return (counters()?["routing"]?["auth_replays"]?.integerValue ?? 0) >= replays + 3
        }, "counters: \(counters()?.text() ?? "no answer")")
        // A hello signed with the wrong secret: bad MAC.
        var wrong = testerConfig
        wrong.authenticator = try KeyChain([.init(number: 1, secret: Array("another-secret-entirely-here".utf8))])
        var impostor = RoutingNode(config: wrong)
        for case let .send(_, bytes) in impostor.handle(.linkUp(1, LinkParameters(cost: 1, capacityKbps: 1)), now: .zero) {
            peer.send(bytes, to: daemon)
        }
        #expect(harness.poll { step(); return (counters()?["routing"]?["auth_bad_mac"]?.integerValue ?? 0) >= 1 })
        #expect(harness.request("r9", ["show", "neighbors"])?["neighbors"]?.arrayValue?.first?["state"]?.stringValue == "up")
        #expect(fib() == ["/good"])
    }

    @Test("--check-config covers key files: unreadable, short or not a key")
    func keyFiles() throws {
        let harness = try DaemonHarness("keys")
        defer { harness.stopAll() }
        var config = try BadInputTests.singleLinkConfig(block: 49, harness: harness)
        try "short\n".write(toFile: "\(harness.directory)/short", atomically: true, encoding: .utf8)
        try "not a pem".write(toFile: "\(harness.directory)/bad.pub", atomically: true, encoding: .utf8)
        func check(_ config: NodeConfig) throws -> (Int32, String) {
            try harness.write(config)
            return try harness.run("\(DaemonHarness.binaries)/damc-sr", ["--config", harness.configPath("r9"), "--check-config"])
        }
        config.authenticationKeys = [NodeConfig.AuthenticationKey(number: 1, secretFile: "absent")]
        var (status, text) = try check(config)
        #expect(status == 2 && text.contains("authentication.keys[0].secret_file") && text.contains("cannot be read"), "\(text)")
        config.authenticationKeys = [NodeConfig.AuthenticationKey(number: 1, secretFile: "short")]
        (status, text) = try check(config)
        #expect(status == 2 && text.contains("at least 16"), "\(text)")
        config.authenticationKeys = []
        config.grantKeys = [NodeConfig.GrantKey(keyID: try KeyID("spa1"), publicKeyFile: "bad.pub")]
        (status, text) = try check(config)
        #expect(status == 2 && text.contains("grant_keys[0].public_key_file"), "\(text)")
    }
}

/// Key roll-over between two daemons by SIGHUP, in RFC 8177's three
/// steps, with no adjacency flap and no packet refused (issue 6).
@Suite("Key roll-over between daemons", .serialized)
struct KeyRollOverTests {
    @Test("add accept-only, switch send, remove old: the adjacency never goes down")
    func rollOver() throws {
        let harness = try DaemonHarness("rollover")
        defer { harness.stopAll() }
        let dir = harness.directory
        try "first-secret-0123456789abcdef\n".write(toFile: "\(dir)/key1", atomically: true, encoding: .utf8)
        try "second-secret-0123456789abcdef\n".write(toFile: "\(dir)/key2", atomically: true, encoding: .utf8)
        let topology = Topology(name: "pair", nodes: [.init(id: try NodeID("r1"), role: .router), .init(id: try NodeID("r2"), role: .router)],
                                links: [.init(a: try NodeID("r1"), b: try NodeID("r2"))])
        try harness.render(topology, nodes: ["r1", "r2"], block: 53)
        func setKeys(_ keys: [NodeConfig.AuthenticationKey]) throws {
            for node in ["r1", "r2"] {
                var config = harness.configs[node]!
                config.authenticationKeys = keys
                try harness.write(config)
            }
        }
        func counter(_ node: String, _ group: String, _ name: String) -> Int64 {
            harness.request(node, ["show", "counters"])?[group]?[name]?.integerValue ?? -1
        }
        func up(_ node: String) -> Bool {
            harness.request(node, ["show", "neighbors"])?["neighbors"]?.arrayValue?.first?["state"]?.stringValue == "up"
        }
        try setKeys([.init(number: 1, secretFile: "key1")])
        try harness.start("r1")
        try harness.start("r2")
        #expect(harness.poll { up("r1") && up("r2") })
        let steps: [[NodeConfig.AuthenticationKey]] = [
            [.init(number: 1, secretFile: "key1"), .init(number: 2, secretFile: "key2", send: false)],
            [.init(number: 1, secretFile: "key1", send: false), .init(number: 2, secretFile: "key2")],
            [.init(number: 2, secretFile: "key2")],
        ]
        for (index, keys) in steps.enumerated() {
            try setKeys(keys)
            // One node after the other, as an operator would.
            for node in ["r1", "r2"] {
                harness.signal(node, SIGHUP, wait: false)
                #expect(harness.poll { counter(node, "runtime", "reloads") == Int64(index + 1) })
                // The chain in force is the new one.
                let authentication = harness.request(node, ["show", "version"])?["authentication"]
                #expect(authentication?["send_key"]?.integerValue == Int64(keys.first { $0.send }!.number))
                #expect(authentication?["accept_keys"] == .array(keys.map { .integer(Int64($0.number)) }))
            }
            // Let hellos flow under the new keys for a few dead intervals (bounded poll on the hello counter).
            let hellos = counter("r2", "routing", "hellos_received")
            #expect(harness.poll { counter("r2", "routing", "hellos_received") >= hellos + 10 })
        }
        for node in ["r1", "r2"] {
            #expect(up(node))
            #expect(counter(node, "routing", "adjacencies_down") == 0)
            #expect(counter(node, "routing", "auth_bad_mac") == 0)
            #expect(counter(node, "routing", "auth_unknown_key") == 0)
            #expect(counter(node, "routing", "auth_replays") == 0)
        }
    }
}
