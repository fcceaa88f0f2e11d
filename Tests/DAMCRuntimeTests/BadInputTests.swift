import DAMCRouting
import DAMCRuntime
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bad datagrams and bad management requests against a running daemon:
/// counters rise, state stays, the daemon keeps answering (issue 5).
@Suite("Daemon under bad input", .serialized)
struct BadInputTests {
    /// A router with one link whose peer is this test (127.42.0.2).
    static func singleLinkConfig(block: UInt8, harness: DaemonHarness, cost: UInt32 = 10) throws -> NodeConfig {
        var config = NodeConfig(nodeID: try NodeID("r9"), role: .router)
        config.timers = .fast
        config.managementSocket = "\(harness.socketDirectory)/r9.sock"
        config.links = [NodeConfig.Link(
            id: 1, name: "tester", local: try TransportAddress(host: "127.\(block).0.1", port: 17100),
            peer: try TransportAddress(host: "127.\(block).0.2", port: 17100), cost: cost)]
        return config
    }

    static func counter(_ harness: DaemonHarness, _ group: String, _ name: String) -> Int64? {
        harness.request("r9", ["show", "counters"])?[group]?[name]?.integerValue
    }

    @Test("random, truncated, oversized and foreign datagrams are counted and dropped")
    func badDatagrams() throws {
        let harness = try DaemonHarness("bad-udp")
        defer { harness.stopAll() }
        try harness.write(try Self.singleLinkConfig(block: 42, harness: harness))
        let peer = try UDPSocket(bind: try TransportAddress(host: "127.42.0.2", port: 17100))
        let stranger = try UDPSocket(bind: try TransportAddress(host: "127.42.0.3", port: 17100))
        let daemon = try SocketAddress(try TransportAddress(host: "127.42.0.1", port: 17100))
        try harness.start("r9")

        // The daemon's own hello, caught on the peer socket: a valid packet to mangle.
        var hello: [UInt8] = []
        #expect(harness.poll {
            if let datagram = peer.receive(maxBytes: 65536) { hello = datagram.bytes }
            return !hello.isEmpty
        })
        // The test is a neighbour: one two-way hello asking for a long dead
        // interval brings the adjacency up, and r9 originates its LSA.
        let tester = Hello(sender: try NodeID("tester"), role: .router, helloIntervalMs: 20_000, deadIntervalMs: 60_000,
                           neighbors: [try NodeID("r9")])
        peer.send(tester.encode(), to: daemon)
        func state() -> [String]? {
            guard let lsas = harness.request("r9", ["show", "lsdb"])?["lsas"]?.arrayValue,
                  let neighbors = harness.request("r9", ["show", "neighbors"])?["neighbors"]?.arrayValue else { return nil }
            return lsas.map { "\($0["origin"]?.stringValue ?? "") \($0["sequence"]?.integerValue ?? -1)" }
                + neighbors.map { "\($0["neighbor"]?.stringValue ?? "") \($0["state"]?.stringValue ?? "")" }
        }
        #expect(harness.poll { state() == ["r9 1", "tester up"] }, "state: \(state() ?? [])")
        let before = state()

        var rng = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            peer.send((0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, to: daemon)
        }
        for cut in 1..<hello.count { peer.send(Array(hello.prefix(cut)), to: daemon) }
        peer.send([UInt8](repeating: 0xC1, count: 20_000), to: daemon)
        let intruder = Hello(sender: try NodeID("intruder"), role: .router, helloIntervalMs: 100, deadIntervalMs: 300,
                             neighbors: [try NodeID("r9")])
        for _ in 0..<5 { stranger.send(intruder.encode(), to: daemon) }

        #expect(harness.poll { (Self.counter(harness, "runtime", "datagrams_oversized") ?? 0) >= 1 })
        #expect(harness.poll { (Self.counter(harness, "runtime", "datagrams_unknown_peer") ?? 0) >= 5 })
        // Every truncation and most random datagrams fail to decode; a
        // random one may happen to decode (and is then refused as a packet).
        #expect(harness.poll {
            (Self.counter(harness, "routing", "decode_errors") ?? 0) + (Self.counter(harness, "routing", "packets_refused") ?? 0)
                >= Int64(hello.count - 1 + 40)
        }, "counters: \(harness.request("r9", ["show", "counters"])?.text() ?? "none")")
        // State kept: the same LSA and adjacency, no neighbour named intruder, still answering.
        #expect(state() == before)
        #expect(harness.request("r9", ["show", "version"])?["program"]?.stringValue == "damc-sr")
        #expect(harness.processes["r9"]?.isRunning == true)
    }

    @Test("malformed, unknown, oversized and slow management requests get errors, never a dead daemon")
    func badRequests() throws {
        let harness = try DaemonHarness("bad-mgmt")
        defer { harness.stopAll() }
        try harness.write(try Self.singleLinkConfig(block: 43, harness: harness))
        try harness.start("r9")
        let socket = "\(harness.socketDirectory)/r9.sock"
        #expect(harness.poll { harness.request("r9", ["show", "version"]) != nil })

        func reply(_ text: String) -> JSONValue? {
            guard let bytes = try? ManagementClient.exchange(Array(text.utf8), socketPath: socket) else { return nil }
            return try? JSONValue.parse(Data(bytes), file: "reply")
        }
        for request in ["garbage\n", "{\"args\": 5}\n", "{\"args\": []}\n", "{\"args\": [1, 2]}\n", "[]\n",
                        "{\"args\": [\"frobnicate\"]}\n", "{\"args\": [\"show\", \"lsdb\", \"not an id!\"]}\n",
                        "{\"args\": [\"lookup\", \"/bad%zz\"]}\n", "{\"args\": [\"show\", \"fib\", \"extra\"]}\n",
                        String(repeating: "x", count: 70_000)] {
            let answer = reply(request)
            #expect(answer?["ok"] == .bool(false), "request \(request.prefix(40)) got \(answer?.text() ?? "nothing")")
            #expect(answer?["error"]?.stringValue?.isEmpty == false)
        }
        // A client that connects and says nothing is dropped after the idle
        // timeout; meanwhile others are served.
        let silent = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        _ = try SocketAddress(unixPath: socket).withSockaddrForTests { connect(silent, $0, $1) }
        #expect(harness.request("r9", ["show", "version"])?["program"]?.stringValue == "damc-sr")
        let errors = harness.request("r9", ["show", "counters"])?["runtime"]?["management_errors"]?.integerValue ?? 0
        #expect(errors >= 10)
        #expect(harness.processes["r9"]?.isRunning == true)
    }
}

extension SocketAddress {
    func withSockaddrForTests<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}
