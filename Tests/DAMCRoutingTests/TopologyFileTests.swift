import DAMCTopology
import DAMCWire
import Foundation
import Testing

@Suite("Topology files")
struct TopologyFileTests {
    static func parse(_ text: String) -> Result<Topology, ConfigError> {
        do { return .success(try Topology.parse(Data(text.utf8), file: "t.json")) } catch { return .failure(error) }
    }

    @Test("Figure 2 loads")
    func figure2() throws {
        let topology = try Topology.load(path: Figure2SimulationTests.path)
        #expect(topology.nodes.count == 9)
        #expect(topology.links.count == 11)
        #expect(topology.nodes.filter { $0.role == .gateway }.count == 4)
        #expect(topology.node(try NodeID("sg4"))?.services.map(\.prefix.description) == ["/A", "/B"])
        // Round trip through the writer.
        #expect(try Topology.parse(Data(topology.jsonText().utf8), file: "x").nodes == topology.nodes)
    }

    @Test("every mistake names the file, the key path and the reason", arguments: [
        (#"{"nodes": [], "bogus": 1}"#, "bogus", "unknown key"),
        (#"{"nodes": [{"id": "a", "role": "sr", "colour": "red"}]}"#, "nodes[0].colour", "unknown key"),
        (#"{"nodes": [{"id": "a", "role": "router"}]}"#, "nodes[0].role", "'router' is not one of sg, sr, spa, scsc"),
        (#"{"nodes": [{"id": "a", "role": "sr"}, {"id": "a", "role": "sr"}]}"#, "nodes[1].id", "duplicate node id 'a'"),
        (#"{"nodes": [{"id": "a", "role": "sr"}], "links": [{"a": "a", "b": "z"}]}"#, "links[0].b", "'z' is not a node of this topology"),
        (#"{"nodes": [{"id": "a", "role": "sr"}], "links": [{"a": "a", "b": "a"}]}"#, "links[0].b", "a link cannot join 'a' to itself"),
        (#"{"nodes": [{"id": "a", "role": "sr"}, {"id": "b", "role": "sr"}], "links": [{"a": "a", "b": "b", "cost": 0}]}"#, "links[0].cost", "0 is out of range 1...4294967295"),
        (#"{"nodes": [{"id": "a", "role": "sr"}, {"id": "b", "role": "sr"}], "links": [{"a": "a", "b": "b", "cost": "ten"}]}"#, "links[0].cost", "expected an integer, found a string"),
        (#"{"nodes": [{"id": "a", "role": "sr", "services": [{"prefix": "/x", "pod": "p"}]}]}"#, "nodes[0].services[0]", "only gateways (role sg) serve services"),
        (#"{"nodes": [{"id": "a", "role": "sg", "services": [{"prefix": "/x//y", "pod": "p"}]}]}"#, "nodes[0].services[0].prefix", "'/x//y': component 1 is empty"),
        (#"{"nodes": [{"role": "sg"}]}"#, "nodes[0].id", "missing"),
        (#"{"nodes": {}}"#, "nodes", "expected an array, found an object"),
    ])
    func errors(text: String, path: String, reason: String) {
        guard case let .failure(error) = Self.parse(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(error.file == "t.json")
        #expect(error.keyPath == path)
        #expect(error.reason.hasPrefix(reason), "\(error.reason)")
    }

    @Test("syntax errors and unreadable files are reported with the file")
    func syntax() {
        guard case let .failure(error) = Self.parse("{\"nodes\": [") else { Issue.record("accepted"); return }
        #expect(error.file == "t.json")
        #expect(error.reason.hasPrefix("not valid JSON"))
        #expect(throws: ConfigError(file: "/nonexistent/x.json", keyPath: "", reason: "cannot be read")) {
            try Topology.load(path: "/nonexistent/x.json")
        }
    }
}
