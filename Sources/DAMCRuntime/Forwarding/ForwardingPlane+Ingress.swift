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
        counters.withLock { $0.add("ingress_connections") }
        var buffer: [UInt8] = []
        var waitMs = settings.headerTimeoutMs
        while !isStopping {
            let head: HTTPHead
            do {
                head = try readHead(client, buffer: &buffer, kind: .request, firstByteWithinMs: waitMs)
            } catch {
                guard case let .io(error) = error else {
                    guard case let .framing(error) = error else { return }
                    counters.withLock { $0.add("ingress_bad_requests") }
                    try? ForwardingIO.write(client, ErrorResponse(error, hop: node).bytes, timeoutMs: settings.connectTimeoutMs)
                    return
                }
                if error == .timeout && !buffer.isEmpty {
                    counters.withLock { $0.add("ingress_header_timeouts") }
                    let response = ErrorResponse(status: 408, code: "request-timeout", name: nil, hop: node.rawValue,
                                                 reason: "request head not complete within \(settings.headerTimeoutMs) ms",
                                                 keepAlive: false)
                    try? ForwardingIO.write(client, response.bytes, timeoutMs: 100)
                }
                return
            }
            let headBytes = Array(buffer[0..<head.byteCount])
            buffer.removeFirst(head.byteCount)
            counters.withLock { $0.add("ingress_requests") }
            guard call(head, headBytes, client: client, buffer: &buffer) else { return }
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
    func call(_ head: HTTPHead, _ headBytes: [UInt8], client: Int32, buffer: inout [UInt8]) -> Bool {
        let bodyPending = head.framing != .none
        func fail(_ response: ErrorResponse) -> Bool {
            counters.withLock { $0.add("ingress_errors") }
            var response = response
            response.keepAlive = head.keepAlive && !bodyPending
            try? ForwardingIO.write(client, response.bytes, timeoutMs: settings.idleTimeoutMs)
            return response.keepAlive
        }
        let name: ServiceName
        do {
            name = try RequestName.name(forTarget: head.target)
        } catch {
            return fail(ErrorResponse(error, hop: node))
        }
        let flowID = UInt64.random(in: 1...UInt64.max)
        let hopLimit = UInt8(settings.hopLimit)
        let table = currentTable

        // Where the call goes: a local instance, or a next hop.
        var upstream: Int32 = -1
        var instance: (Endpoint, ServiceName)?
        var viaHop = false
        var target: NodeID?
        var decision = table.decide(name: name, hopLimit: hopLimit, flowID: flowID)
        if case let .local(matched) = decision {
            var tried: [Endpoint] = []
            if let (fd, endpoint) = connectInstance(matched, tried: &tried) {
                upstream = fd
                instance = (endpoint, matched)
            } else {
                decision = table.decideElsewhere(name: name, matched: matched, hopLimit: hopLimit, flowID: flowID)
                if case let .forward(_, _, _, pinned) = decision {
                    counters.withLock { $0.add("redirected_elsewhere") }
                    target = pinned
                }
            }
        }
        var hopName = "local"
        switch decision {
        case let .refuse(reason, text):
            return fail(ErrorResponse(reply: reason, text: text, hop: node, name: name, keepAlive: true))
        case let .forward(link, next, _, _):
            hopName = next.rawValue
            guard let address = neighborAddress(link) else {
                return fail(ErrorResponse(reply: .nextHopDown, text: "no address for link \(link) to \(next)", hop: node,
                                          name: name, keepAlive: true))
            }
            do {
                upstream = try ForwardingIO.connect(address, timeoutMs: settings.connectTimeoutMs)
            } catch {
                return fail(ErrorResponse(reply: error == .timeout ? .timeout : .nextHopDown,
                                          text: "\(node) could not reach \(next): \(error)", hop: node, name: name, keepAlive: true))
            }
            viaHop = true
        case .local:
            break
        }
        var failure: String?
        defer {
            if let (endpoint, prefix) = instance {
                finishInstance(upstream, endpoint, prefix, failed: failure)
            } else {
                close(upstream)
            }
        }
        counters.withLock { $0.flowStarted(hopName) }
        defer { counters.withLock { $0.flowEnded(hopName) } }

        // The request: header (via a hop), head, then the body.
        var upstreamBuffer: [UInt8] = []
        do throws(ForwardingIOError) {
            let header = ForwardHeader(name: name, flowID: flowID, hopLimit: hopLimit - 1, origin: node, targetGateway: target)
            try ForwardingIO.write(upstream, viaHop ? header.encode() + headBytes : headBytes, timeoutMs: settings.idleTimeoutMs)
        } catch {
            if instance != nil && error.isRefusedOrReset { failure = "send: \(error)" }
            return fail(ErrorResponse(reply: .nextHopDown, text: "sending to \(hopName): \(error)", hop: node, name: name,
                                      keepAlive: true))
        }
        if viaHop {
            // The path must be up before a body is sent: a hop that refuses
            // closes, and a body in flight would turn its reply into a reset.
            switch readReply(upstream, buffer: &upstreamBuffer) {
            case let .failure(response):
                var response = response
                response.name = name.description
                return fail(response)
            case .success:
                break
            }
        }
        if bodyPending && head.expectsContinue {
            try? ForwardingIO.write(client, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8), timeoutMs: settings.idleTimeoutMs)
        }
        do throws(BodyError) {
            let sent = try moveBody(head.framing, from: client, to: upstream, buffer: &buffer)
            counters.withLock { $0.add("ingress_request_bytes", Int(sent)) }
        } catch {
            counters.withLock { $0.add("ingress_client_aborts") }
            return false   // the client vanished or sent bad framing: nothing sensible to answer
        }

        // The response: 1xx heads pass, then the final head and its body.
        while true {
            let response: HTTPHead
            do throws(BodyError) {
                response = try readHead(upstream, buffer: &upstreamBuffer, kind: .response(requestMethod: head.method),
                                        firstByteWithinMs: settings.idleTimeoutMs)
            } catch {
                if case let .io(io) = error, io.isRefusedOrReset, instance != nil { failure = "reset before responding" }
                let reason: String
                switch error {
                case let .io(io): reason = io == .timeout ? "no response within \(settings.idleTimeoutMs) ms" : "\(io) before responding"
                case let .framing(framing): reason = "malformed response: \(framing)"
                }
                let code: ReasonCode = { if case .io(.timeout) = error { return .timeout } else { return .nextHopDown } }()
                return fail(ErrorResponse(reply: code, text: "\(hopName): \(reason)", hop: node, name: name, keepAlive: true))
            }
            let responseBytes = upstreamBuffer[0..<response.byteCount]
            do throws(ForwardingIOError) {
                try ForwardingIO.write(client, responseBytes, timeoutMs: settings.idleTimeoutMs)
            } catch {
                counters.withLock { $0.add("ingress_client_aborts") }
                return false
            }
            upstreamBuffer.removeFirst(response.byteCount)
            if response.status == 101 {
                if !buffer.isEmpty { try? ForwardingIO.write(upstream, buffer, timeoutMs: settings.idleTimeoutMs) }
                pass(client, upstream, readAhead: [], hop: hopName)
                return false
            }
            if (100..<200).contains(response.status) { continue }
            do throws(BodyError) {
                let received = try moveBody(response.framing, from: upstream, to: client, buffer: &upstreamBuffer)
                counters.withLock {
                    $0.add("ingress_response_bytes", Int(received))
                    $0.add("ingress_responses")
                }
            } catch {
                counters.withLock { $0.add("ingress_response_aborts") }
                return false
            }
            return head.keepAlive && response.keepAlive && response.framing != .untilClose
        }
    }

    /// Reads the hops' `ForwardReply`: success, or the error response it
    /// describes. Bytes after it stay in `buffer`.
    func readReply(_ fd: Int32, buffer: inout [UInt8]) -> Result<Void, ErrorResponse> {
        func failure(_ code: ReasonCode, _ text: String) -> Result<Void, ErrorResponse> {
            .failure(ErrorResponse(status: ErrorResponse.status(for: code), code: code.description, name: nil,
                                   hop: node.rawValue, reason: text, keepAlive: true))
        }
        while true {
            do {
                if let length = try DAMCMessage.frameLength(of: buffer), buffer.count >= length {
                    guard length <= Self.maxHeaderFrame else { return failure(.malformed, "reply of \(length) bytes") }
                    let message = try DAMCMessage.decode(Array(buffer[0..<length]))
                    buffer.removeFirst(length)
                    guard case let .forwardReply(reply) = message else {
                        return failure(.malformed, "expected a ForwardReply, got \(message.messageType)")
                    }
                    if reply.status == .connected { return .success(()) }
                    let reason = reply.reason ?? .internalError
                    return .failure(ErrorResponse(status: ErrorResponse.status(for: reason), code: reason.description, name: nil,
                                                  hop: reply.node.rawValue, reason: reply.reasonText ?? reason.description,
                                                  keepAlive: true))
                }
            } catch {
                return failure(.malformed, "malformed reply: \(error)")
            }
            do throws(ForwardingIOError) {
                if try ForwardingIO.read(fd, into: &buffer, max: 16_384, timeoutMs: settings.idleTimeoutMs) == 0 {
                    return failure(.nextHopDown, "the next hop closed without a reply")
                }
            } catch {
                return failure(error == .timeout ? .timeout : .nextHopDown, "waiting for the path: \(error)")
            }
        }
    }
}

extension ErrorResponse: Error {}
