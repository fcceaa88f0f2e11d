import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The gateway's pod-facing HTTP/1.1 listener (draft-li-icnrg-damc §7.2
/// step 1; docs/forwarding.md §ingress). The request path is the name;
/// the call goes to a local instance or, with a forwarding header, to the
/// next hop; the response comes back on the same connection, which stays
/// open for the next request when both sides allow it. Anything DAMC
/// cannot carry gets an error response naming the name, hop and reason.
extension ForwardingPlane {
    func serveIngress(_ client: Int32) {
        defer { close(client) }
        counters.withLock { $0.add(.ingressConnections) }
        var buffer: [UInt8] = []
        var waitMs = settings.headerTimeoutMs
        while !isStopping {
            let head: HTTPHead
            do {
                head = try readHead(client, buffer: &buffer, kind: .request, firstByteWithinMs: waitMs)
            } catch {
                guard case let .io(error) = error else {
                    guard case let .framing(error) = error else { return }
                    counters.withLock { $0.add(.ingressBadRequests) }
                    try? ForwardingIO.write(client, ErrorResponse(error, hop: node).bytes, timeoutMs: settings.connectTimeoutMs)
                    return
                }
                if error == .timeout && !buffer.isEmpty {
                    counters.withLock { $0.add(.ingressHeaderTimeouts) }
                    let response = ErrorResponse(status: 408, code: "request-timeout", name: nil, hop: node.rawValue,
                                                 reason: "request head not complete within \(settings.headerTimeoutMs) ms",
                                                 keepAlive: false)
                    try? ForwardingIO.write(client, response.bytes, timeoutMs: 100)
                }
                return
            }
            buffer.removeFirst(head.byteCount)
            counters.withLock { $0.add(.ingressRequests) }
            guard call(head, client: client, buffer: &buffer) else { return }
            waitMs = settings.idleTimeoutMs
        }
    }

    /// Reads a message head; the head's bytes stay at the front of `buffer`.
    func readHead(_ fd: Int32, buffer: inout [UInt8], kind: HTTPHeadParser.Kind,
                  firstByteWithinMs: Int64) throws(BodyError) -> HTTPHead {
        var deadline: Int64?
        while true {
            if !buffer.isEmpty {
                do throws(HTTPError) {
                    if let head = try parser.parse(buffer, kind: kind) { return head }
                } catch {
                    throw .framing(error)
                }
                if deadline == nil { deadline = Self.nowNanoseconds() + settings.headerTimeoutMs * 1_000_000 }
            }
            let left = deadline.map { ($0 - Self.nowNanoseconds()) / 1_000_000 } ?? firstByteWithinMs
            guard left > 0 else { throw .io(.timeout) }
            do throws(ForwardingIOError) {
                if try ForwardingIO.read(fd, into: &buffer, max: 16_384, timeoutMs: left) == 0 { throw .closed }
            } catch {
                throw .io(error)
            }
        }
    }

    /// Carries one request and its response; returns whether the client
    /// connection may carry another.
    func call(_ head: HTTPHead, client: Int32, buffer: inout [UInt8]) -> Bool {
        let name: ServiceName
        let flowClass: UInt8?
        do throws(HTTPError) {
            name = try RequestName.name(forTarget: head.target)
            flowClass = try FlowClassField.value(in: head)
        } catch {
            return fail(ErrorResponse(error, hop: node), head, client: client)
        }
        let flowID = FlowID.next()
        // A request that comes back into DAMC carries what its hops left.
        let hopLimit = min(UInt8(settings.hopLimit), HopLimitField.value(in: head) ?? .max)
        let box = tables
        var decision = box.table.decide(name: name, hopLimit: hopLimit, flowID: flowID, flowClass: flowClass,
                                    now: Self.nowNanoseconds())
        if case let .local(matched) = decision {
            var tried: [Endpoint] = []
            if let (fd, endpoint) = connectInstance(matched, tried: &tried) {
                return callInstance(head, HopLimitField.apply(to: head.bytes[...], remaining: hopLimit), client: client,
                                    buffer: &buffer, instance: fd, endpoint: endpoint, prefix: matched, name: name)
            }
            decision = box.table.decideElsewhere(name: name, matched: matched, hopLimit: hopLimit, flowID: flowID)
            if case .forward = decision { counters.withLock { $0.add(.redirectedElsewhere) } }
        }
        switch decision {
        case let .refuse(reason, text):
            return fail(ErrorResponse(reply: reason, text: text, hop: node, name: name, keepAlive: true), head, client: client)
        case .local:
            return fail(ErrorResponse(reply: .noHealthyInstance, text: "no healthy instance of \(name) at \(node)", hop: node,
                                      name: name, keepAlive: true), head, client: client)
        case let .forward(link, next, _, target, policy):
            // (decide refuses to forward with a hop limit of 0)
            if policy != nil { counters.withLock { $0.add(.policyForwarded) } }
            let header = ForwardHeader(name: name, flowID: flowID, hopLimit: hopLimit - 1, origin: node, policyID: policy,
                                       targetGateway: target)
            return callViaHop(head, client: client, buffer: &buffer, header: header, link: link, next: next)
        }
    }

    /// Answers the client with an error; whether its connection stays open
    /// (not when an unread request body is still coming).
    func fail(_ response: ErrorResponse, _ head: HTTPHead, client: Int32) -> Bool {
        counters.withLock { $0.add(.ingressErrors) }
        var response = response
        response.keepAlive = head.keepAlive && head.framing == .none && response.keepAlive
        try? ForwardingIO.write(client, response.bytes, timeoutMs: settings.idleTimeoutMs)
        return response.keepAlive
    }

    /// The call through the next hop: header and request in DATA frames,
    /// then the reply and the response's frames until END.
    func callViaHop(_ head: HTTPHead, client: Int32, buffer: inout [UInt8], header: ForwardHeader,
                    link: LinkID, next: NodeID) -> Bool {
        let bodyPending = head.framing != .none
        let name = header.name
        // Open the path: a pooled connection that turns out dead is replaced once.
        var upstream: Int32 = -1
        for attempt in 0..<2 {
            let connection: (fd: Int32, fresh: Bool)
            do {
                connection = try hopConnection(link, next: next)
            } catch {
                return fail(ErrorResponse(reply: error == .timeout ? .timeout : .nextHopDown,
                                          text: "\(node) could not reach \(next): \(error)", hop: node, name: name, keepAlive: true),
                            head, client: client)
            }
            var opening = header.encode() + HopFrames.header(UInt32(head.bytes.count)) + head.bytes
            if !bodyPending { opening += HopFrames.header(0) }
            let sent = (try? ForwardingIO.write(connection.fd, opening, timeoutMs: settings.idleTimeoutMs)) != nil
            // Without a body the reply comes with the response; with one, it
            // must come first (a refusing hop closes, and a body in flight
            // would turn its reply into a reset).
            let reply: Result<Void, ErrorResponse>? = sent && bodyPending ? readReply(connection.fd) : nil
            if sent, case .failure(let error)? = reply, error.code == "closed" || error.code == "reset",
               !connection.fresh, attempt == 0 {
                close(connection.fd)
                continue
            }
            if !sent {
                close(connection.fd)
                if connection.fresh || attempt == 1 {
                    return fail(ErrorResponse(reply: .nextHopDown, text: "sending to \(next) failed", hop: node, name: name,
                                              keepAlive: true), head, client: client)
                }
                continue
            }
            if case .failure(var response)? = reply {
                close(connection.fd)
                response.name = name.description
                return fail(response, head, client: client)
            }
            upstream = connection.fd
            if !bodyPending {
                switch readReply(upstream) {
                case .success: break
                case .failure(var response):
                    close(upstream)
                    if (response.code == "closed" || response.code == "reset") && !connection.fresh && attempt == 0 {
                        continue
                    }
                    response.name = name.description
                    return fail(response, head, client: client)
                }
            }
            break
        }
        var reusable = false
        defer { if reusable { hopPool.give("link:\(link)", upstream) } else { close(upstream) } }
        counters.withLock {
            $0.sent(UInt64(head.bytes.count), on: link)
            $0.flowStarted(next.rawValue)
        }
        defer { counters.withLock { $0.flowEnded(next.rawValue) } }
        let pipe = SplicePipe()
        if bodyPending {
            if head.expectsContinue {
                try? ForwardingIO.write(client, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), timeoutMs: settings.idleTimeoutMs)
            }
            do throws(BodyError) {
                let sent = try moveBody(head.framing, from: client, to: upstream, buffer: &buffer, framed: true, pipe: pipe)
                try? HopFrames.writeEnd(upstream, timeoutMs: settings.idleTimeoutMs)
                counters.withLock {
                    $0.add(.ingressRequestBytes, Int(sent))
                    $0.sent(sent, on: link)
                }
            } catch {
                counters.withLock { $0.add(.ingressClientAborts) }
                return false
            }
        }
        // The response, from DATA frames until END.
        let source = FramedSource(fd: upstream, timeoutMs: settings.idleTimeoutMs)
        var responseBuffer: [UInt8] = []
        while true {
            var response: HTTPHead?
            do {
                while true {
                    if !responseBuffer.isEmpty,
                       let parsed = try parser.parse(responseBuffer, kind: .response(requestMethod: head.method)) {
                        response = parsed
                        break
                    }
                    guard try source.read(into: &responseBuffer) > 0 else { break }
                }
            } catch {
                return fail(ErrorResponse(reply: .nextHopDown, text: "\(next): bad response: \(error)", hop: node, name: name,
                                          keepAlive: true), head, client: client)
            }
            guard let response else {
                return fail(ErrorResponse(reply: .nextHopDown, text: "\(next): the call ended without a response", hop: node,
                                          name: name, keepAlive: true), head, client: client)
            }
            do throws(ForwardingIOError) {
                try ForwardingIO.write(client, responseBuffer[0..<response.byteCount], timeoutMs: settings.idleTimeoutMs)
                responseBuffer.removeFirst(response.byteCount)
                if (100..<200).contains(response.status) && response.status != 101 { continue }
                if !responseBuffer.isEmpty { try ForwardingIO.write(client, responseBuffer, timeoutMs: settings.idleTimeoutMs) }
                let received = try source.drain(to: client, pipe: pipe)
                counters.withLock {
                    $0.add(.ingressResponseBytes, responseBuffer.count + Int(received))
                    $0.add(.ingressResponses)
                }
            } catch {
                counters.withLock { $0.add(.ingressResponseAborts) }
                return false
            }
            reusable = true
            return head.keepAlive && response.keepAlive && response.framing != .untilClose && response.status != 101
        }
    }

    /// The call to an instance of this gateway, straight (no hop).
    func callInstance(_ head: HTTPHead, _ headBytes: [UInt8], client: Int32, buffer: inout [UInt8], instance: Int32,
                      endpoint: Endpoint, prefix: ServiceName, name: ServiceName) -> Bool {
        var failure: String?
        var keepInstance = false
        defer { finishInstance(instance, endpoint, prefix, failed: failure, keep: keepInstance) }
        counters.withLock { $0.flowStarted("local") }
        defer { counters.withLock { $0.flowEnded("local") } }
        do throws(ForwardingIOError) {
            try ForwardingIO.write(instance, headBytes, timeoutMs: settings.idleTimeoutMs)
        } catch {
            if error.isRefusedOrReset { failure = "send: \(error)" }
            return fail(ErrorResponse(reply: .nextHopDown, text: "sending to \(endpoint): \(error)", hop: node, name: name,
                                      keepAlive: true), head, client: client)
        }
        if head.framing != .none && head.expectsContinue {
            try? ForwardingIO.write(client, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), timeoutMs: settings.idleTimeoutMs)
        }
        do throws(BodyError) {
            let sent = try moveBody(head.framing, from: client, to: instance, buffer: &buffer)
            counters.withLock { $0.add(.ingressRequestBytes, Int(sent)) }
        } catch {
            counters.withLock { $0.add(.ingressClientAborts) }
            return false
        }
        var upstreamBuffer: [UInt8] = []
        while true {
            let response: HTTPHead
            do throws(BodyError) {
                response = try readHead(instance, buffer: &upstreamBuffer, kind: .response(requestMethod: head.method),
                                        firstByteWithinMs: settings.idleTimeoutMs)
            } catch {
                if case let .io(io) = error, io.isRefusedOrReset { failure = "reset before responding" }
                let code: ReasonCode = { if case .io(.timeout) = error { return .timeout } else { return .nextHopDown } }()
                return fail(ErrorResponse(reply: code, text: "\(endpoint): \(error)", hop: node, name: name, keepAlive: true),
                            head, client: client)
            }
            do throws(ForwardingIOError) {
                try ForwardingIO.write(client, upstreamBuffer[0..<response.byteCount], timeoutMs: settings.idleTimeoutMs)
            } catch {
                counters.withLock { $0.add(.ingressClientAborts) }
                return false
            }
            upstreamBuffer.removeFirst(response.byteCount)
            if response.status == 101 {
                if !buffer.isEmpty { try? ForwardingIO.write(instance, buffer, timeoutMs: settings.idleTimeoutMs) }
                pass(client, instance)
                return false
            }
            if (100..<200).contains(response.status) { continue }
            do throws(BodyError) {
                let received = try moveBody(response.framing, from: instance, to: client, buffer: &upstreamBuffer)
                counters.withLock {
                    $0.add(.ingressResponseBytes, Int(received))
                    $0.add(.ingressResponses)
                }
            } catch {
                counters.withLock { $0.add(.ingressResponseAborts) }
                return false
            }
            keepInstance = head.keepAlive && response.keepAlive && response.framing != .untilClose && upstreamBuffer.isEmpty
            return head.keepAlive && response.keepAlive && response.framing != .untilClose
        }
    }

    /// Moves bytes both ways until both sides close (an upgraded
    /// connection, such as a WebSocket, to a local instance).
    func pass(_ a: Int32, _ b: Int32) {
        do {
            let forward = SpliceMover.Direction(from: a, to: b, pipe: SplicePipe(), count: nil, propagateClose: true)
            let backward = SpliceMover.Direction(from: b, to: a, pipe: SplicePipe(), count: nil, propagateClose: true)
            try SpliceMover.run([forward, backward], idleTimeoutMs: settings.idleTimeoutMs)
        } catch {
            counters.withLock { $0.add(error == .timeout ? .idleTimeouts : .relayErrors) }
        }
    }

    /// Reads the hops' `ForwardReply`: success, or the error response it
    /// describes (code `closed` or `reset` when the connection died first).
    func readReply(_ fd: Int32) -> Result<Void, ErrorResponse> {
        func failure(_ code: String, _ reason: ReasonCode, _ text: String) -> Result<Void, ErrorResponse> {
            .failure(ErrorResponse(status: ErrorResponse.status(for: reason), code: code, name: nil,
                                   hop: node.rawValue, reason: text, keepAlive: true))
        }
        do {
            let message = try HopFrames.readMessage(fd, limit: Self.maxHeaderFrame, timeoutMs: settings.idleTimeoutMs)
            guard case let .forwardReply(reply) = message else {
                return failure(ReasonCode.malformed.description, .malformed, "expected a ForwardReply, got \(message.messageType)")
            }
            if reply.status == .connected { return .success(()) }
            let reason = reply.reason ?? .internalError
            return .failure(ErrorResponse(status: ErrorResponse.status(for: reason), code: reason.description, name: nil,
                                          hop: reply.node.rawValue, reason: reply.reasonText ?? reason.description,
                                          keepAlive: true))
        } catch let error as ForwardingIOError {
            if error == .closed { return failure("closed", .nextHopDown, "the next hop closed without a reply") }
            if error.isRefusedOrReset { return failure("reset", .nextHopDown, "the next hop reset the connection") }
            return failure(error == .timeout ? ReasonCode.timeout.description : ReasonCode.nextHopDown.description,
                           error == .timeout ? .timeout : .nextHopDown, "waiting for the path: \(error)")
        } catch {
            return failure(ReasonCode.malformed.description, .malformed, "malformed reply: \(error)")
        }
    }
}

extension ErrorResponse: Error {}
