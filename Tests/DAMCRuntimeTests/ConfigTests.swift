import DAMCTopology
import DAMCWire
import Foundation
import Testing

/// Daemon config files: every kind of error names the file, the key path
/// and the reason; `--check-config` exits 0 or non-zero with that message;
/// rendering from a topology round-trips (issue 5).
@Suite("Daemon configs")
struct ConfigTests {
    static let valid = """
    {
      "node_id": "sr1", "role": "sr",
      "management_socket": "/tmp/damc-test/sr1.sock",
      "timers": { "hello_ms": 100, "dead_ms": 300 },
      "links": [
        { "id": 1, "name": "sr2", "local": "127.31.0.1:17000", "peer": "127.31.0.2:17000", "cost": 10, "capacity_mbps": 1000 },
        { "id": 2, "local": "[::1]:17001", "peer": "[::1]:17002" }
      ]
    }
    """

    static func parse(_ text: String) throws(ConfigError) -> NodeConfig {
        try NodeConfig.parse(Data(text.utf8), file: "sr1.json")
    }

    /// `valid` with one substitution, and the error it must produce.
    static let cases: [(from: String, to: String, keyPath: String, reason: String)] = [
        ("\"role\": \"sr\"", "\"role\": \"sr\", \"colour\": 1", "colour", "unknown key"),
        ("\"hello_ms\": 100", "\"hello_ms\": \"fast\"", "timers.hello_ms", "expected an integer"),
        ("\"hello_ms\": 100", "\"hello_ms\": 10", "timers.hello_ms", "out of range"),
        ("\"dead_ms\": 300", "\"dead_ms\": 350, \"hello_ms\": 200", "timers.hello_ms", "duplicate key"),
        ("\"dead_ms\": 300", "\"dead_ms\": 301, \"retransmit_ms\": 1, \"x\": 0", "timers.retransmit_ms", "out of range"),
        ("\"node_id\": \"sr1\"", "\"node_id\": \"sr 1\"", "node_id", "not one of"),
        ("\"node_id\": \"sr1\", ", "", "node_id", "missing"),
        ("\"role\": \"sr\"", "\"role\": \"router\"", "role", "is not one of sg, sr, spa, scsc"),
        ("\"local\": \"127.31.0.1:17000\"", "\"local\": \"127.31.0.1\"", "links[0].local", "is not IPV4:PORT"),
        ("\"local\": \"127.31.0.1:17000\"", "\"local\": \"127.31.0.300:17000\"", "links[0].local", "not an IPv4 or IPv6 address"),
        ("\"peer\": \"127.31.0.2:17000\"", "\"peer\": \"127.31.0.2:0\"", "links[0].peer", "is not a port"),
        ("\"peer\": \"127.31.0.2:17000\"", "\"peer\": \"[::1]:17000\"", "links[0].peer", "different address families"),
        ("{ \"id\": 2,", "{ \"id\": 1,", "links[1].id", "duplicate link id 1"),
        ("\"local\": \"[::1]:17001\"", "\"local\": \"127.31.0.1:17000\"", "links[1].local", "already the local address"),
        ("\"cost\": 10", "\"cost\": 0", "links[0].cost", "out of range"),
        ("\"capacity_mbps\": 1000", "\"capacity_mbps\": 1000, \"mtu\": 1500", "links[0].mtu", "unknown key"),
        ("\"role\": \"sr\"", "\"role\": \"sr\", \"services\": [{\"prefix\": \"/a\", \"pod\": \"p\"}]", "services[0]",
         "only gateways"),
        ("\"management_socket\": \"/tmp/damc-test/sr1.sock\"", "\"management_socket\": \"relative.sock\"",
         "management_socket", "absolute path"),
        ("\"links\": [", "\"links\": 7, \"old\": [", "links", "expected an array"),
        // Class 4: a router reports to an SCSC; only an SCSC has a scheduler, and it must.
        ("\"role\": \"sr\"", "\"role\": \"sr\", \"scsc\": { \"address\": \"127.0.0.1:1\", \"node_id\": \"scsc\" }",
         "scsc.tls", "missing"),
        ("\"role\": \"sr\"", "\"role\": \"sr\", \"scsc\": { \"address\": \"127.0.0.1\", \"node_id\": \"scsc\", \"tls\": {} }",
         "scsc.address", "is not IPV4:PORT"),
        ("\"role\": \"sr\"", "\"role\": \"sr\", \"scheduler\": { \"listen\": \"127.0.0.1:1\" }", "scheduler",
         "only a scheduling centre"),
        ("\"role\": \"sr\"", "\"role\": \"scsc\"", "scheduler", "needs its listener and TLS files"),
        ("\"role\": \"sr\"", "\"role\": \"scsc\", \"scheduler\": { \"listen\": \"127.0.0.1:1\", \"refresh_s\": 40, "
         + "\"tls\": { \"certificate_file\": \"a\", \"private_key_file\": \"b\", \"ca_file\": \"c\" } }",
         "scheduler.refresh_s", "must be shorter than policy_lifetime_s"),
    ]

    @Test("a valid config parses, and renders back to itself")
    func validConfig() throws {
        let config = try Self.parse(Self.valid)
        #expect(config.nodeID.rawValue == "sr1")
        #expect(config.links.count == 2)
        #expect(config.links[1].name == "link2")
        #expect(config.links[1].local.isIPv6)
        #expect(config.timers.helloMs == 100 && config.timers.spfLongMs == 5000)
        #expect(try NodeConfig.parse(Data(config.jsonText().utf8), file: "again") == config)
    }

    @Test("each kind of error names the file, the key path and the reason", arguments: 0..<cases.count)
    func errors(_ index: Int) {
        let (from, to, keyPath, reason) = Self.cases[index]
        #expect(Self.valid.contains(from))
        let text = Self.valid.replacingOccurrences(of: from, with: to)
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(to)")
        } catch {
            #expect(error.file == "sr1.json")
            if !keyPath.isEmpty {
                #expect(error.keyPath == keyPath, "\(error)")
                #expect(error.reason.contains(reason), "\(error)")
            }
        }
    }

    @Test("rendering every node of Figure 2 gives configs that parse back equal, with matching link ends")
    func render() throws {
        let topology = try Topology.load(path: LoopbackMeshTests.topologyPath)
        var configs: [NodeID: NodeConfig] = [:]
        for node in topology.nodes {
            let config = try NodeConfig.render(topology: topology, node: node.id)
            #expect(try NodeConfig.parse(Data(config.jsonText().utf8), file: "rendered") == config)
            configs[node.id] = config
        }
        // Every link's ends point at each other.
        for (id, config) in configs {
            for link in config.links {
                let peer = configs[try NodeID(link.name)]!
                #expect(peer.links.contains { $0.local == link.peer && $0.peer == link.local && $0.name == id.rawValue })
            }
        }
        #expect(configs[try NodeID("sg1")]!.services.map(\.prefix.description) == ["/A", "/B"])
        #expect(throws: ConfigError.self) { try NodeConfig.render(topology: topology, node: try NodeID("nobody")) }
    }

    @Test("--check-config exits 0 for a valid file and 2 with file, key path and reason otherwise")
    func checkConfig() throws {
        let harness = try DaemonHarness("check")
        defer { harness.stopAll() }
        let good = "\(harness.directory)/good.json", bad = "\(harness.directory)/bad.json"
        try Self.valid.write(toFile: good, atomically: true, encoding: .utf8)
        try Self.valid.replacingOccurrences(of: "\"cost\": 10", with: "\"cost\": -3")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        func run(_ program: String, _ file: String) throws -> (Int32, String) {
            try harness.run("\(DaemonHarness.binaries)/\(program)", ["--config", file, "--check-config"])
        }
        let (okStatus, okText) = try run("damc-sr", good)
        #expect(okStatus == 0)
        #expect(okText.contains("ok"))
        let (badStatus, badText) = try run("damc-sr", bad)
        #expect(badStatus == 2)
        #expect(badText.contains("\(bad): links[0].cost: -3 is out of range"), "\(badText)")
        let (roleStatus, roleText) = try run("damc-sg", good)
        #expect(roleStatus == 2)
        #expect(roleText.contains("role: 'sr' is not this daemon's role 'sg'"), "\(roleText)")
        let (missingStatus, missingText) = try run("damc-sr", "\(harness.directory)/absent.json")
        #expect(missingStatus == 2)
        #expect(missingText.contains("absent.json: cannot be read"))
    }
}

/// The schema checker itself must be able to fail.
@Suite("Management schema checker")
struct SchemaValidatorTests {
    @Test("missing, extra and mistyped fields are reported")
    func detects() throws {
        let schema = try #require(SchemaValidator.schema(for: "show fib"))
        #expect(SchemaValidator.validate(.object(["node": .string("a"), "entries": .array([])]), schema).isEmpty)
        #expect(!SchemaValidator.validate(.object(["node": .string("a")]), schema).isEmpty)
        #expect(!SchemaValidator.validate(.object(["node": .string("a"), "entries": .array([]), "x": .null]), schema).isEmpty)
        #expect(!SchemaValidator.validate(.object(["node": .integer(1), "entries": .array([])]), schema).isEmpty)
        let badEntry = JSONValue.object(["prefix": .string("/a"), "next_hops": .array([.integer(3)])])
        #expect(!SchemaValidator.validate(.object(["node": .string("a"), "entries": .array([badEntry])]), schema).isEmpty)
    }
}
