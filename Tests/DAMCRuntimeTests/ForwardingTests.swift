import DAMCForwarding
import DAMCRuntime
import DAMCServiceKit
import DAMCTopology
import DAMCWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Issue 7: calls by name through the Figure 2 mesh on loopback, to real
/// HTTP services registered over class 1, and back (docs/forwarding.md).
@Suite("Forwarding plane: calls by name through the mesh", .serialized)
struct ForwardingTests {
    /// Figure 2's gateways and routers; services come from pods at run time.
    static let topologyText = """
    { "name": "forwarding",
      "nodes": [ { "id": "sg1", "role": "sg" }, { "id": "sg2", "role": "sg" }, { "id": "sg3", "role": "sg" },
                 { "id": "sg4", "role": "sg" }, { "id": "sr1", "role": "sr" }, { "id": "sr2", "role": "sr" },
                 { "id": "sr3", "role": "sr" } ],
      "links": [ { "a": "sg1", "b": "sr1" }, { "a": "sg2", "b": "sr2" }, { "a": "sr1", "b": "sr2" },
                 { "a": "sr1", "b": "sr3" }, { "a": "sr2", "b": "sr3" }, { "a": "sg3", "b": "sr1" },
                 { "a": "sg3", "b": "sr3" }, { "a": "sg4", "b": "sr2" }, { "a": "sg4", "b": "sr3" } ] }
    """
    static let nodes = ["sg1", "sg2", "sg3", "sg4", "sr1", "sr2", "sr3"]
    static let block: UInt8 = 61
    static func address(_ node: String, block: UInt8 = block) -> String {
        "127.\(block).0.\(nodes.firstIndex(of: node)! + 1)"
    }
    static let ingressPort: UInt16 = 18080

    /// The mesh with pod sockets on the gateways (our uid is each gateway's
    /// pod) and quick health checks.
    static func startMesh(_ harness: DaemonHarness, block: UInt8 = block, basePort: UInt16 = 17600,
                          configure: (inout NodeConfig) -> Void = { _ in }) throws {
        let topology = try Topology.parse(Data(topologyText.utf8), file: "forwarding")
        var options = NodeConfig.RenderOptions()
        options.addressBlock = block
        options.basePort = basePort
        options.socketDirectory = harness.socketDirectory
        options.timers = .fast
        options.ingressPort = ingressPort
        for node in nodes {
            var config = try NodeConfig.render(topology: topology, node: try NodeID(node), options: options)
            if config.role == .gateway {
                config.pods = NodeConfig.PodAccess(socket: "\(harness.directory)/\(node).pods.sock",
                                                   uids: [getuid(): try PodID("pod-\(node)")])
                config.forwarding.health.intervalMs = 200
                config.forwarding.health.timeoutMs = 200
                config.forwarding.health.fall = 2
                config.forwarding.health.rise = 1
                config.forwarding.health.httpPath = "/healthz"
                config.forwarding.headerTimeoutMs = 1000
            }
            configure(&config)
            try harness.write(config)
            try harness.start(node)
        }
    }

    /// Registers a service instance at `gateway` over class 1.
    static func register(_ harness: DaemonHarness, _ gateway: String, _ prefix: String, _ service: TestService) throws {
        let endpoint = Endpoint(address: try IPAddress(bytes: service.host.split(separator: ".").map { UInt8($0)! }),
                                port: service.port)
        let registration = ServiceRegistration(socketPath: "\(harness.directory)/\(gateway).pods.sock",
                                               pod: try PodID("pod-\(gateway)"), prefix: try ServiceName(prefix),
                                               endpoint: endpoint)
        let answer = try registration.announce(waitForFinal: true)
        #expect(answer.status == .granted, "\(answer)")
    }

    static func client(_ gateway: String = "sg1") throws -> HTTPTestClient {
        try HTTPTestClient(host: address(gateway), port: ingressPort)
    }

    static func fibHas(_ harness: DaemonHarness, _ node: String, _ prefixes: [String]) -> Bool {
        let lines = harness.fibLines(node) ?? []
        return prefixes.allSatisfy { prefix in lines.contains { $0.split(separator: " ")[1] == prefix } }
    }

    @Test("calls by name: routing, keep-alive, chunked, 1 GiB up, 64 MiB down, 500 at once, trace, failover, errors")
    func endToEnd() throws {
        let harness = try DaemonHarness("forwarding")
        defer { harness.stopAll() }
        try Self.startMesh(harness)
        let b3 = try TestService(host: "127.\(Self.block).1.3", port: 9003, name: "b3")
        let b4 = try TestService(host: "127.\(Self.block).1.4", port: 9004, name: "b4")
        let c2 = try TestService(host: "127.\(Self.block).1.2", port: 9002, name: "c2")
        #expect(harness.poll { harness.request("sg3", ["show", "version"]) != nil && harness.request("sg4", ["show", "version"]) != nil })
        try Self.register(harness, "sg3", "/B", b3)
        try Self.register(harness, "sg4", "/B", b4)
        try Self.register(harness, "sg2", "/C", c2)
        #expect(harness.poll { ["sg1", "sr1", "sr2", "sr3"].allSatisfy { Self.fibHas(harness, $0, ["/B", "/C"]) } },
                "sg1 \(harness.fibLines("sg1") ?? [])")

        // A call to /B/... reaches the nearest gateway's instance through sr1;
        // the path reaches the service unchanged. Keep-alive: three calls, one connection.
        let connection = try Self.client()
        for index in 0..<3 {
            let response = try connection.request("GET", "/B/items/\(index)?q=1")
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json?["service"] as? String == "b3")
            #expect(response.json?["path"] as? String == "/B/items/\(index)?q=1")
        }
        let other = try connection.request("GET", "/C/x")
        #expect(other.json?["service"] as? String == "c2", "\(other.text)")

        // trace: sg1 -> sr1 -> sg3, which names the instance.
        let trace = harness.request("sg1", ["trace", "/B/items/1"])
        let hops = trace?["hops"]?.arrayValue?.compactMap { $0["node"]?.stringValue }
        #expect(hops == ["sg1", "sr1", "sg3"], "\(String(describing: trace))")
        #expect(trace?["status"]?.stringValue == "reachable")
        #expect(trace?["hops"]?.arrayValue?.last?["instance"]?.stringValue == "127.\(Self.block).1.3:9003")

        // No route: a clear error naming the name, the hop and the reason; the connection stays usable.
        let missing = try connection.request("GET", "/nowhere/x")
        #expect(missing.status == 404)
        #expect(missing.header("X-DAMC-Error") == "no-route")
        #expect(missing.json?["name"] as? String == "/nowhere/x")
        #expect(missing.json?["hop"] as? String == "sg1")
        #expect(try connection.request("GET", "/B/after-error").status == 200)

        // Chunked request body, scanned through, never buffered whole.
        let chunks = [Array(repeating: UInt8(ascii: "a"), count: 100_000), Array("tail".utf8)]
        var chunked = "POST /B/chunked HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        for chunk in chunks { chunked += String(chunk.count, radix: 16) + "\r\n" + String(decoding: chunk, as: UTF8.self) + "\r\n" }
        try connection.send(chunked + "0\r\n\r\n")
        let chunkedReply = try connection.response(method: "POST")
        #expect(chunkedReply.json?["bytes"] as? Int == 100_004, "\(chunkedReply.text)")

        // 1 GiB up: the service's SHA-256 equals ours.
        let block = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
        let upload = try Self.client()
        let gib = 1024
        try upload.send("POST /B/upload HTTP/1.1\r\nHost: t\r\nContent-Length: \(gib << 20)\r\n\r\n")
        let sent = SHA256Digest()
        for _ in 0..<gib {
            try upload.send(block)
            sent.update(block)
        }
        let uploaded = try upload.response(method: "POST")
        #expect(uploaded.json?["bytes"] as? Int == gib << 20, "\(uploaded.text)")
        #expect(uploaded.json?["sha256"] as? String == sent.hex)

        // 64 MiB down.
        let received = SHA256Digest()
        var count = 0
        try upload.send("GET /B/blob?size=\(64 << 20) HTTP/1.1\r\nHost: t\r\n\r\n")
        let blob = try upload.response { piece in
            received.update(piece)
            count += piece.count
        }
        #expect(count == 64 << 20)
        #expect(blob.header("X-SHA256") == received.hex)
        // The same from an instance that closes its connection right after
        // the body: what it sent before closing all arrives.
        let closing = try Self.client()
        try closing.send("GET /B/blob?size=\(16 << 20)&close=1 HTTP/1.1\r\nHost: t\r\n\r\n")
        let closed = try closing.download()
        #expect(closed.count == 16 << 20 && closed.response.header("X-SHA256") == closed.sha256)

        // Two requests in one write (pipelining): two answers, in order.
        let pipelined = try Self.client()
        try pipelined.send("GET /B/first HTTP/1.1\r\nHost: t\r\n\r\nGET /C/second HTTP/1.1\r\nHost: t\r\n\r\n")
        let first = try pipelined.response(), second = try pipelined.response()
        #expect(first.json?["path"] as? String == "/B/first" && second.json?["path"] as? String == "/C/second",
                "\(first.text) \(second.text)")
        // A client that shuts down its sending side after its request still
        // gets the answer, then the connection closes.
        let halfClosed = try Self.client()
        try halfClosed.send("GET /B/half HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = shutdown(halfClosed.fd, Int32(SHUT_WR))
        #expect(try halfClosed.response().json?["path"] as? String == "/B/half")
        #expect(halfClosed.closedByPeer())

        // 500 connections open at once, each with a call in flight.
        var many: [HTTPTestClient] = []
        for index in 0..<500 {
            let client = try Self.client()
            try client.send("GET /B/many/\(index) HTTP/1.1\r\nHost: t\r\n\r\n")
            many.append(client)
        }
        var answered = 0
        for (index, client) in many.enumerated() {
            let response = try client.response()
            if response.status == 200 && response.json?["path"] as? String == "/B/many/\(index)" { answered += 1 }
        }
        #expect(answered == 500)
        many.removeAll()

        // Failover: b3 dies. The first call after it finds sg3's instance
        // refusing, ejects it and goes on to sg4; no call fails.
        b3.stop()
        var failures: [String] = []
        var servedBy: Set<String> = []
        for index in 0..<20 {
            let response = try connection.request("GET", "/B/after-kill/\(index)")
            if response.status != 200 { failures.append("\(response.status) \(response.text)") }
            if let service = response.json?["service"] as? String { servedBy.insert(service) }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(servedBy == ["b4"])
        let instances = harness.request("sg3", ["show", "instances"])?["instances"]?.arrayValue ?? []
        #expect(instances.first?["state"]?.stringValue == "ejected", "\(instances)")

        // No instance anywhere: a clear 503 naming the last gateway tried.
        b4.stop()
        #expect(harness.poll {
            harness.request("sg4", ["show", "instances"])?["instances"]?.arrayValue?.first?["state"]?.stringValue == "ejected"
        })
        let none = try connection.request("GET", "/B/none")
        #expect(none.status == 503, "\(none.text)")
        #expect(none.header("X-DAMC-Error") == "no-healthy-instance")
        #expect((none.json?["reason"] as? String)?.contains("no healthy instance of /B") == true, "\(none.text)")

        // Every new reply matches docs/schemas/management.json.
        for (command, node, args) in [("show instances", "sg3", ["show", "instances"]), ("show flows", "sr1", ["show", "flows"]),
                                      ("trace", "sg1", ["trace", "/C/x"]), ("show counters", "sr1", ["show", "counters"]),
                                      ("show policies", "sr1", ["show", "policies"])] {
            let reply = try #require(harness.request(node, args), "\(command)")
            let schema = try #require(SchemaValidator.schema(for: command), "no schema for \(command)")
            let problems = SchemaValidator.validate(reply, schema)
            #expect(problems.isEmpty, "\(command): \(problems)")
        }
        // Event loops hand their counts over at the end of each wake-up: poll.
        #expect(harness.poll { ForwardingBadInputTests.counter(harness, "sr1", "relayed") >= 500 },
                "relayed: \(ForwardingBadInputTests.counter(harness, "sr1", "relayed"))")
    }
}

/// Issue 7, bad input: every malformed or hostile call gets an error
/// response or a closed connection with a counter, and calls keep flowing.
@Suite("Forwarding plane: bad input", .serialized)
struct ForwardingBadInputTests {
    static let topologyText = """
    { "name": "line", "nodes": [ { "id": "sg1", "role": "sg" }, { "id": "sr1", "role": "sr" },
                                 { "id": "sr2", "role": "sr" }, { "id": "sg2", "role": "sg" } ],
      "links": [ { "a": "sg1", "b": "sr1" }, { "a": "sr1", "b": "sr2" }, { "a": "sr2", "b": "sg2" } ] }
    """
    static let nodes = ["sg1", "sr1", "sr2", "sg2"]
    static let block: UInt8 = 62

    static func counter(_ harness: DaemonHarness, _ node: String, _ name: String) -> Int64 {
        if case let .integer(value)? = harness.request(node, ["show", "counters"])?["forwarding"]?[name] { return value }
        return 0
    }

    /// Sends raw bytes to `node`'s forwarding listener on its first link and
    /// returns the decoded reply, if one came.
    static func rawHop(_ config: NodeConfig, _ bytes: [UInt8]) throws -> ForwardReply? {
        let link = config.links[0].local
        let client = try HTTPTestClient(host: link.host, port: link.port, timeoutSeconds: 10)
        try client.send(bytes)
        while true {
            if let length = try? DAMCMessage.frameLength(of: client.buffer), client.buffer.count >= length {
                if case let .forwardReply(reply) = try DAMCMessage.decode(Array(client.buffer[0..<length])) { return reply }
                return nil
            }
            guard try client.fill() else { return nil }
        }
    }

    @Test("malformed HTTP, oversized heads, trickling and vanishing clients, lying headers, hop limit")
    func badInput() throws {
        let harness = try DaemonHarness("forwarding-bad")
        defer { harness.stopAll() }
        let topology = try Topology.parse(Data(Self.topologyText.utf8), file: "line")
        var options = NodeConfig.RenderOptions()
        options.addressBlock = Self.block
        options.basePort = 17700
        options.socketDirectory = harness.socketDirectory
        options.timers = .fast
        for node in Self.nodes {
            var config = try NodeConfig.render(topology: topology, node: try NodeID(node), options: options)
            config.forwarding.headerTimeoutMs = 500
            config.forwarding.maxHeadBytes = 2048
            if node == "sg2" {
                config.pods = NodeConfig.PodAccess(socket: "\(harness.directory)/sg2.pods.sock", uids: [getuid(): try PodID("pod2")])
                // A loop made on purpose: /L's only "instance" is sg1's ingress.
                config.services = [Topology.Service(prefix: try ServiceName("/L"), pod: try PodID("loop"),
                                                    endpoints: [Endpoint(address: .v4(127, Self.block, 0, 1), port: 18080)])]
            }
            try harness.write(config)
            try harness.start(node)
        }
        let service = try TestService(host: "127.\(Self.block).1.4", port: 9104, name: "b")
        defer { withExtendedLifetime(service) {} }   // it answers until the test ends
        #expect(harness.poll { harness.request("sg2", ["show", "version"]) != nil })
        let registration = ServiceRegistration(socketPath: "\(harness.directory)/sg2.pods.sock", pod: try PodID("pod2"),
                                               prefix: try ServiceName("/B"),
                                               endpoint: Endpoint(address: .v4(127, Self.block, 1, 4), port: 9104))
        #expect(try registration.announce().status == .granted)
        #expect(harness.poll { Self.nodes.allSatisfy { ForwardingTests.fibHas(harness, $0, ["/B"]) } })
        let ingress = "127.\(Self.block).0.1"
        func client() throws -> HTTPTestClient { try HTTPTestClient(host: ingress, port: 18080, timeoutSeconds: 30) }
        func works() throws -> Bool { try client().request("GET", "/B/ok").json?["service"] as? String == "b" }
        #expect(try works())

        // Malformed request line: 400, closed.
        let garbage = try client()
        try garbage.send("\u{1}\u{2}nonsense\r\n\r\n")
        let bad = try garbage.response()
        #expect(bad.status == 400, "\(bad.text)")
        #expect(garbage.closedByPeer())
        // Smuggling attempt: both framings.
        let smuggler = try client()
        try smuggler.send("POST /B/x HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(try smuggler.response().status == 400)
        // A head over max_head_bytes: 431.
        let large = try client()
        try large.send("GET /B/x HTTP/1.1\r\nX-Big: \(String(repeating: "y", count: 4096))\r\n\r\n")
        #expect(try large.response().status == 431)
        // A target that is not a name.
        #expect(try client().request("GET", "/B/../etc").status == 400)
        // A client that trickles its head past header_timeout_ms: 408.
        let slow = try client()
        try slow.send("GET /B/sl")
        let timedOut = try slow.response()
        #expect(timedOut.status == 408, "\(timedOut.text)")
        // A client that vanishes mid-body: counted, nothing else hurt.
        let vanishing = try client()
        try vanishing.send("POST /B/upload HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n")
        try vanishing.send([UInt8](repeating: 7, count: 1_000_000))
        _ = shutdown(vanishing.fd, Int32(SHUT_RDWR))
        #expect(harness.poll { Self.counter(harness, "sg1", "ingress_client_aborts") >= 1 })
        #expect(try works())
        #expect(harness.poll { Self.counter(harness, "sg1", "ingress_bad_requests") >= 3 })

        // Lying forwarding headers at sr1: garbage, another message type, a frame too large.
        let sr1 = try #require(harness.configs["sr1"])
        let junk = try Self.rawHop(sr1, Array("GET / HTTP/1.1\r\n\r\n".utf8))
        #expect(junk?.reason == .malformed, "\(String(describing: junk))")
        let wrongType = try Self.rawHop(sr1, DAMCMessage.forwardReply(ForwardReply(status: .connected, node: try NodeID("x"))).encode())
        #expect(wrongType?.reason == .malformed)
        let huge = try Self.rawHop(sr1, [0xF8, 0xFE, 0x00, 0x0F, 0x00, 0x00])
        #expect(huge?.reason == .malformed)
        #expect(harness.poll { Self.counter(harness, "sr1", "hop_malformed_headers") >= 3 })

        // A neighbour that sends its next call before the first ended (the
        // ingress never does): both are answered, in order, on the connection.
        let sg2 = try #require(harness.configs["sg2"])
        func call(_ path: String) throws -> [UInt8] {
            let head = Array("GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            let count = UInt32(head.count)
            return ForwardHeader(name: try ServiceName("/B/x"), flowID: 9, hopLimit: 8, origin: try NodeID("test")).encode()
                + [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)] + head + [0, 0, 0, 0]
        }
        let early = try HTTPTestClient(host: sg2.links[0].local.host, port: sg2.links[0].local.port, timeoutSeconds: 10)
        try early.send(try call("/B/first") + call("/B/second"))
        var answers: [String] = []
        var scanner = RelayScanner(replyLimit: 65_536)
        var callStart = 0, scanned = 0
        while answers.count < 2 {
            if scanned == early.buffer.count { guard try early.fill() else { break } }
            scanned += try scanner.scan(early.buffer[scanned...])
            if scanner.phase == .done {
                #expect(!scanner.failed)
                answers.append(String(decoding: early.buffer[callStart..<scanned], as: UTF8.self))
                callStart = scanned
                scanner = RelayScanner(replyLimit: 65_536)
            }
        }
        #expect(answers.count == 2 && answers[0].contains("/B/first") && answers[1].contains("/B/second"), "\(answers)")

        // Hop limit: 0 stops at sr1; 1 passes sr1 and stops at sr2, and the reply names sr2.
        func header(_ limit: UInt8) throws -> [UInt8] {
            ForwardHeader(name: try ServiceName("/B/x"), flowID: 7, hopLimit: limit, origin: try NodeID("test")).encode()
        }
        let zero = try Self.rawHop(sr1, try header(0))
        #expect(zero?.reason == .hopLimitExceeded && zero?.node.rawValue == "sr1", "\(String(describing: zero))")
        let one = try Self.rawHop(sr1, try header(1))
        #expect(one?.reason == .hopLimitExceeded && one?.node.rawValue == "sr2", "\(String(describing: one))")
        // A call pinned to a gateway that does not exist.
        var pinned = ForwardHeader(name: try ServiceName("/B/x"), flowID: 7, hopLimit: 8, origin: try NodeID("test"))
        pinned.targetGateway = try NodeID("nowhere")
        let nowhere = try Self.rawHop(sr1, pinned.encode())
        #expect(nowhere?.reason == .noRoute)

        // The loop: each pass leaves DAMC at sg2 and comes back in at sg1 with
        // DAMC-Hop-Limit set, so the hops run out (16 -> 13 -> ... -> 1, then
        // sr1 must forward with 0) and the client gets 508 naming the hop.
        #expect(harness.poll { ForwardingTests.fibHas(harness, "sg1", ["/L"]) })
        let looped = try client().request("GET", "/L/x")
        #expect(looped.status == 508, "\(looped.text)")
        #expect(looped.header("X-DAMC-Error") == "hop-limit-exceeded")
        #expect(looped.header("X-DAMC-Hop") == "sr1", "\(looped.text)")

        // After all that, every daemon still answers and calls still flow.
        #expect(try works())
        for node in Self.nodes { #expect(harness.request(node, ["show", "version"]) != nil, "\(node)") }
    }
}
