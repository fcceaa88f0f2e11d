import DAMCForwarding
import DAMCRuntime
import DAMCTopology
import DAMCWire
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7: bodiless calls share one multiplexed connection per neighbour
/// and event loop (docs/wire.md §5.9, docs/forwarding.md §multiplexed
/// hops), through the Figure 2 mesh on loopback.
@Suite("Forwarding plane: multiplexed hop connections", .serialized)
struct MultiplexedHopTests {
    static let block: UInt8 = 64

    static func client(_ gateway: String = "sg1") throws -> HTTPTestClient {
        try HTTPTestClient(host: ForwardingTests.address(gateway, block: block), port: ForwardingTests.ingressPort)
    }

    static func counter(_ harness: DaemonHarness, _ node: String, _ name: String) -> Int64 {
        ForwardingBadInputTests.counter(harness, node, name)
    }

    /// The mesh with /B served at sg3 (sg1 -> sr1 -> sg3) and /C at sg2
    /// (sg1 -> sr1 -> sr2 -> sg2); calls flow until every hop on both
    /// paths has opened a multiplexed connection onward.
    static func meshWithServices(_ harness: DaemonHarness, basePort: UInt16,
                                 configure: (inout NodeConfig) -> Void = { _ in }) throws -> (TestService, TestService) {
        try ForwardingTests.startMesh(harness, block: block, basePort: basePort, configure: configure)
        let b3 = try TestService(host: "127.\(block).1.3", port: 9203, name: "b3")
        let c2 = try TestService(host: "127.\(block).1.2", port: 9202, name: "c2")
        #expect(harness.poll { harness.request("sg3", ["show", "version"]) != nil && harness.request("sg2", ["show", "version"]) != nil })
        try ForwardingTests.register(harness, "sg3", "/B", b3)
        try ForwardingTests.register(harness, "sg2", "/C", c2)
        #expect(harness.poll { ["sg1", "sr1", "sr2"].allSatisfy { ForwardingTests.fibHas(harness, $0, ["/B", "/C"]) } })
        return (b3, c2)
    }

    @Test("many calls as streams, each answered with its own response; large, chunked and until-close responses parked and fetched whole; a reader that stalls holds only its own call")
    func streams() throws {
        let harness = try DaemonHarness("multiplexed")
        defer { harness.stopAll() }
        let services = try Self.meshWithServices(harness, basePort: 17900)
        defer { _ = services }

        // Calls flow (the first ones the serial way) until sg1 and sr1 have
        // multiplexed connections onward.
        let warm = try (0..<8).map { _ in try Self.client() }
        #expect(harness.poll {
            for (index, client) in warm.enumerated() {
                _ = try? client.request("GET", "/C/warm/\(index)")
                _ = try? client.request("GET", "/B/warm/\(index)")
            }
            return Self.counter(harness, "sg1", "mux_links_opened") >= 1 && Self.counter(harness, "sr1", "mux_links_opened") >= 1
        })

        // 32 clients at once, 20 calls each, to two names: every answer is
        // the one for its own request.
        let wrong = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            do {
                let client = try Self.client()
                for call in 0..<20 {
                    let path = (call % 2 == 0 ? "/B" : "/C") + "/stream/\(index)/\(call)"
                    let response = try client.request("GET", path)
                    if response.status != 200 || response.json?["path"] as? String != path {
                        wrong.withLock { $0.append("\(path): \(response.status) \(response.text)") }
                    }
                }
            } catch {
                wrong.withLock { $0.append("client \(index): \(error)") }
            }
        }
        let mismatched = wrong.withLock { $0 }
        #expect(mismatched.isEmpty, "\(mismatched.prefix(5))")
        // They travelled as streams at every hop of both paths.
        #expect(harness.poll {
            Self.counter(harness, "sg1", "mux_calls") > 0 && Self.counter(harness, "sr1", "mux_answers") > 0
                && Self.counter(harness, "sr2", "mux_answers") > 0 && Self.counter(harness, "sg2", "mux_answers") > 0
                && Self.counter(harness, "sg3", "mux_answers") > 0
        }, "sg1 mux_calls \(Self.counter(harness, "sg1", "mux_calls")), sg3 mux_answers \(Self.counter(harness, "sg3", "mux_answers"))")

        // Responses that cannot come back whole on a stream (over 64 KiB,
        // chunked, until close) are parked at the gateway and fetched on a
        // connection of their own: every byte arrives. A call lands on a
        // multiplexed connection once its client's loop has one, so each
        // kind is asked until one was parked.
        for query in ["size=1048576", "size=1048576&chunked=1", "size=300000&close=1"] {
            let parkedBefore = Self.counter(harness, "sg3", "mux_parked")
            var parked = false
            for _ in 0..<12 where !parked {
                let client = try Self.client()
                try client.send("GET /B/blob?\(query) HTTP/1.1\r\nHost: t\r\n\r\n")
                let got = try client.download()
                #expect(got.response.status == 200 && got.response.header("X-SHA256") == got.sha256, "\(query): \(got.response.status)")
                #expect(got.count == Int(query.split(separator: "&")[0].dropFirst(5))!, "\(query): \(got.count) bytes")
                parked = harness.poll(bound: .seconds(5)) { Self.counter(harness, "sg3", "mux_parked") > parkedBefore }
            }
            #expect(parked, "\(query): never parked")
        }
        #expect(harness.poll { Self.counter(harness, "sg1", "mux_resumed") >= 3 })

        // A client that asks for 8 MiB and reads nothing: its response is
        // parked and sent on its own connection, so other calls keep going.
        let stalled = try (0..<4).map { _ in try Self.client() }
        for client in stalled { try client.send("GET /B/blob?size=8388608 HTTP/1.1\r\nHost: t\r\n\r\n") }
        let other = try Self.client()
        for call in 0..<20 {
            let response = try other.request("GET", "/B/after-stall/\(call)")
            #expect(response.status == 200 && response.json?["path"] as? String == "/B/after-stall/\(call)")
        }
        for client in stalled {
            let got = try client.download()
            #expect(got.count == 8 << 20 && got.response.header("X-SHA256") == got.sha256)
        }
    }

    /// Opens a multiplexed connection to `config`'s first link by hand.
    static func rawMux(_ config: NodeConfig) throws -> HTTPTestClient {
        let link = config.links[0].local
        let client = try HTTPTestClient(host: link.host, port: link.port, timeoutSeconds: 10)
        try client.send(ForwardHeader(name: .root, flowID: 0, hopLimit: 0, origin: try NodeID("tester"),
                                      applicationProtocol: .multiplex).encode())
        while true {
            if let length = try? DAMCMessage.frameLength(of: client.buffer), client.buffer.count >= length {
                guard case let .forwardReply(reply) = try DAMCMessage.decode(Array(client.buffer[0..<length])),
                      reply.status == .connected else { throw HTTPTestClient.Failure(description: "multiplex refused") }
                client.buffer.removeFirst(length)
                return client
            }
            guard try client.fill() else { throw HTTPTestClient.Failure(description: "closed during the multiplex handshake") }
        }
    }

    /// A DATA frame's length (END when 0; docs/wire.md §5.8).
    static func length(_ count: UInt32) -> [UInt8] { withUnsafeBytes(of: count.bigEndian) { Array($0) } }

    /// The next frame a raw multiplexed connection receives.
    static func frame(_ client: HTTPTestClient) throws -> (UInt32, [UInt8])? {
        while true {
            let frame = try client.buffer.withUnsafeBufferPointer { bytes throws(MuxFrameError) in try MuxFrame.next(in: bytes) }
            if let frame {
                let body = Array(client.buffer[frame.body])
                client.buffer.removeFirst(frame.body.upperBound)
                return (frame.stream, body)
            }
            guard try client.fill() else { return nil }
        }
    }

    @Test("a malformed call gets a failed answer on its stream; bad frames close the connection with a counter; a hop that will not multiplex leaves the calls serial")
    func badFramesAndFallback() throws {
        let harness = try DaemonHarness("multiplexed-bad")
        defer { harness.stopAll() }
        let services = try Self.meshWithServices(harness, basePort: 17950) { config in
            if config.nodeID.rawValue == "sr2" { config.forwarding.multiplexHops = false }
        }
        defer { _ = services }
        let sr1 = try #require(harness.configs["sr1"])

        // A stream whose body is not a call: a failed answer (malformed) on
        // that stream; the connection carries the next call.
        let raw = try Self.rawMux(sr1)
        try raw.send(MuxFrame.encode(stream: 7, body: [1, 2, 3]))
        let answer = try #require(try Self.frame(raw))
        #expect(answer.0 == 7)
        guard case let .forwardReply(reply)? = try? DAMCMessage.decode(answer.1) else {
            Issue.record("not a ForwardReply: \(answer.1)")
            return
        }
        #expect(reply.status == .failed && reply.reason == .malformed, "\(reply)")
        let header = ForwardHeader(name: try ServiceName("/nowhere"), flowID: 1, hopLimit: 8, origin: try NodeID("tester"))
        try raw.send(MuxFrame.encode(stream: 8, body: header.encode() + Self.length(18) + Array("GET / HTTP/1.1\r\n\r\n".utf8)
            + Self.length(0)))
        let refused = try #require(try Self.frame(raw))
        guard case let .forwardReply(noRoute)? = try? DAMCMessage.decode(refused.1) else {
            Issue.record("not a ForwardReply: \(refused.1)")
            return
        }
        #expect(refused.0 == 8 && noRoute.reason == .noRoute, "\(noRoute)")

        // Stream 0, and a frame over the size limit: the connection closes.
        try raw.send([0, 0, 0, 0, 0, 0, 0, 1, 0])
        #expect(raw.closedByPeer())
        let huge = try Self.rawMux(sr1)
        try huge.send([0, 0, 0, 1, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(huge.closedByPeer())
        #expect(harness.poll { Self.counter(harness, "sr1", "mux_malformed") >= 2 })

        // sr2 does not multiplex: sr1's attempt is refused, and calls to /C
        // (sg1 -> sr1 -> sr2 -> sg2) all arrive the serial way past sr1.
        let client = try Self.client()
        #expect(harness.poll {
            (try? client.request("GET", "/C/fallback"))?.json?["path"] as? String == "/C/fallback"
                && Self.counter(harness, "sr1", "mux_link_failures") >= 1
        })
        for call in 0..<20 {
            let response = try client.request("GET", "/C/fallback/\(call)")
            #expect(response.status == 200 && response.json?["path"] as? String == "/C/fallback/\(call)")
        }
        #expect(Self.counter(harness, "sr2", "mux_links_accepted") == 0)
    }
}
