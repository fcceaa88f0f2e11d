import DAMCRouting
import DAMCRuntime
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 5's proof: the Figure 2 mesh (4 SGs, 3 SRs) as seven separate
/// processes on 127.41.x addresses, compared by polling `show fib` against
/// FIBs the simulator computes for the same topology and the same events.
@Suite("Loopback mesh: Figure 2 as separate daemons", .serialized)
struct LoopbackMeshTests {
    static let topologyPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/figure2.json").path
    static let mesh = ["sg1", "sg2", "sg3", "sg4", "sr1", "sr2", "sr3"]

    /// FIB lines of the running nodes, from the simulator: the mesh runs
    /// without the SPA and the SCSC, and without `down`.
    static func expected(_ topology: Topology, down: Set<String> = []) -> [String] {
        let sim = Simulator(topology: topology, seed: 1)
        sim.start()
        for (index, node) in sim.nodes.enumerated()
        where !mesh.contains(node.config.nodeID.rawValue) || down.contains(node.config.nodeID.rawValue) {
            sim.crash(index)
        }
        sim.run(for: .seconds(30))
        var lines: [String] = []
        for node in sim.nodes where node.alive {
            for (prefix, hops) in node.engine.fib.entries {
                lines.append("\(node.config.nodeID) \(prefix) \(hops.map(\.description).joined(separator: ","))")
            }
        }
        return lines.sorted()
    }

    static func fibs(_ harness: DaemonHarness, _ nodes: [String]) -> [String]? {
        var lines: [String] = []
        for node in nodes {
            guard let fib = harness.fibLines(node) else { return nil }
            lines += fib
        }
        return lines.sorted()
    }

    /// (origin, type, fragment, sequence) of every LSA a node holds.
    static func lsdb(_ harness: DaemonHarness, _ node: String) -> [String]? {
        harness.request(node, ["show", "lsdb"])?["lsas"]?.arrayValue?.map { lsa in
            ["origin", "type", "fragment", "sequence"].map { Tables.cell(lsa[$0]) }.joined(separator: " ")
        }
    }

    @Test("converges, reroutes around a killed SR, resynchronises it on restart, drops a stopped SG's prefixes")
    func figure2() throws {
        let topology = try Topology.load(path: Self.topologyPath)
        let harness = try DaemonHarness("mesh")
        defer { harness.stopAll() }
        try harness.render(topology, nodes: Self.mesh, block: 41)
        for node in Self.mesh { try harness.start(node) }

        let converged = Self.expected(topology)
        #expect(converged.count == 28)
        #expect(harness.poll { Self.fibs(harness, Self.mesh) == converged },
                "mesh FIBs: \(Self.fibs(harness, Self.mesh) ?? [])")

        // Every management reply matches docs/schemas/management.json.
        let commands: [(String, [String])] = [
            ("show neighbors", ["show", "neighbors"]), ("show lsdb", ["show", "lsdb"]),
            ("show lsdb", ["show", "lsdb", "--detail"]), ("show lsdb", ["show", "lsdb", "sg1"]),
            ("show rib", ["show", "rib"]), ("show fib", ["show", "fib"]), ("show interfaces", ["show", "interfaces"]),
            ("show counters", ["show", "counters"]), ("show version", ["show", "version"]),
            ("lookup", ["lookup", "/A/x/y"]), ("lookup", ["lookup", "/nowhere"]),
        ]
        for node in ["sg1", "sr1"] {
            for (name, args) in commands {
                let reply = harness.request(node, args)
                #expect(reply != nil, "\(node) \(args)")
                guard let reply, let schema = SchemaValidator.schema(for: name) else { continue }
                let problems = SchemaValidator.validate(reply, schema)
                #expect(problems.isEmpty, "\(node) \(args.joined(separator: " ")): \(problems)")
            }
        }
        let detail = harness.request("sr1", ["show", "lsdb", "--detail", "sg1"])?["lsas"]?.arrayValue ?? []
        #expect(detail.count == 2)
        #expect(detail.contains { $0["prefixes"]?.arrayValue?.count == 2 })
        #expect(detail.contains { $0["flags"] == .array([.string("no-transit")]) })

        // kill -9 one SR: its neighbours find out from the dead interval.
        let survivors = Self.mesh.filter { $0 != "sr1" }
        let withoutSR1 = Self.expected(topology, down: ["sr1"])
        #expect(withoutSR1 != converged.filter { !$0.hasPrefix("sr1 ") })
        let killed = harness.signal("sr1", SIGKILL)
        #expect(killed?.reason == .uncaughtSignal)
        #expect(harness.poll { Self.fibs(harness, survivors) == withoutSR1 },
                "FIBs without sr1: \(Self.fibs(harness, survivors) ?? [])")

        // Restart it: full resynchronisation, the same LSDB as a neighbour's.
        try harness.start("sr1")
        #expect(harness.poll { Self.fibs(harness, Self.mesh) == converged },
                "FIBs after sr1 restarted: \(Self.fibs(harness, Self.mesh) ?? [])")
        #expect(harness.poll {
            guard let mine = Self.lsdb(harness, "sr1"), let theirs = Self.lsdb(harness, "sr2") else { return false }
            return mine == theirs && mine.count == 11
        }, "sr1 \(Self.lsdb(harness, "sr1") ?? []) vs sr2 \(Self.lsdb(harness, "sr2") ?? [])")
        #expect(harness.request("sr1", ["show", "counters"])?["routing"]?["adjacencies_up"]?.integerValue == 4)

        // SIGTERM one SG: goodbyes, exit 0, its prefixes gone everywhere.
        let remaining = Self.mesh.filter { $0 != "sg4" }
        let withoutSG4 = Self.expected(topology, down: ["sg4"])
        let stopped = harness.signal("sg4", SIGTERM)
        #expect(stopped?.status == 0 && stopped?.reason == .exit)
        #expect(harness.log("sg4").contains("shutting down"))
        #expect(harness.poll { Self.fibs(harness, remaining) == withoutSG4 },
                "FIBs without sg4: \(Self.fibs(harness, remaining) ?? [])")
    }
}

/// The table renderer's cell text, reused to compare LSDB rows.
enum Tables {
    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case let .string(text)?: return text
        case let .integer(number)?: return String(number)
        default: return "-"
        }
    }
}
