import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// Calls arriving from a neighbour (docs/forwarding.md §hops): read the
/// forwarding header, decide, and either relay the call's frames to the
/// next hop or, on the gateway that serves the name, hand the call to an
/// instance. A hop that cannot go on says so in a `ForwardReply` that
/// names it and the reason. After a call, the connection waits for the
/// next one (hops reuse connections; HopFrames).
extension ForwardingPlane {
    /// The largest forwarding header or reply accepted.
    static let maxHeaderFrame = 16 * 1024

    /// What the calls of one neighbour's connection share: the link it came
    /// in on (replies leave by it: counted as that link's load) and a
    /// splice pipe per direction (each opens its pipe on first use).
    final class Pipes {
        let inbound: LinkID
        private let made = (SplicePipe(), SplicePipe())
        init(inbound: LinkID) { self.inbound = inbound }
        func get() -> (SplicePipe, SplicePipe) { made }
    }

    func serveHop(_ fd: Int32, link: LinkID) {
        defer { close(fd) }
        let pipes = Pipes(inbound: link)
        var first = true
        while !isStopping, serveHopCall(fd, pipes: pipes, first: first) { first = false }
    }

    /// Reads the next call on a neighbour's connection and carries it;
    /// whether the connection may carry another.
    func serveHopCall(_ fd: Int32, pipes: Pipes, first: Bool) -> Bool {
        let header: ForwardHeader
        do {
            let message = try HopFrames.readMessage(fd, limit: Self.maxHeaderFrame,
                                                    timeoutMs: first ? settings.headerTimeoutMs : settings.idleTimeoutMs)
            guard case let .forwardHeader(received) = message else {
                throw WireError.invalidValue(what: "message", reason: "\(message.messageType) where a ForwardHeader belongs")
            }
            header = received
        } catch let error as ForwardingIOError {
            if first { counters.withLock { $0.add(error == .timeout ? .hopHeaderTimeouts : .hopHeaderClosed) } }
            return false
        } catch {
            refuseMalformed(fd, error)
            return false
        }
        return serve(fd, header, prefix: [], pipes: pipes)
    }

    /// A call whose header has been read (by a loop, which also read
    /// `prefix`: the bytes that followed it on the connection).
    func serve(_ fd: Int32, _ header: ForwardHeader, prefix: [UInt8], pipes: Pipes) -> Bool {
        counters.withLock { $0.add(.hopCalls) }
        if header.applicationProtocol == .trace {
            serveTrace(fd, header)
            return false
        }
        if header.applicationProtocol == .resume {
            // At the gateway that parked the response, it goes back; on the
            // way there, the call is relayed as any call pinned to a gateway.
            return header.targetGateway == node ? serveResume(fd, header, prefix: prefix, pipes: pipes)
                : carry(fd, header, prefix: prefix, pipes: pipes)
        }
        guard header.applicationProtocol == .http1 else {
            refuse(fd, .malformed, "\(node) does not carry \(header.applicationProtocol) calls yet")
            return false
        }
        return carry(fd, header, prefix: prefix, pipes: pipes)
    }

    /// Refuses a call whose header a loop found malformed.
    func refuseMalformed(_ fd: Int32, _ error: any Error) {
        counters.withLock { $0.add(.hopMalformedHeaders) }
        logger.debug("malformed forwarding header", metadata: ["error": "\(error)"])
        refuse(fd, .malformed, "malformed forwarding header: \(error)")
    }

    /// One call on a neighbour's connection (`prefix`: its bytes after the
    /// header already read); whether the connection may carry another.
    func carry(_ fd: Int32, _ header: ForwardHeader, prefix: [UInt8], pipes: Pipes) -> Bool {
        let box = tables
        switch box.table.decide(name: header.name, target: header.targetGateway, hopLimit: header.hopLimit, flowID: header.flowID,
                            policy: header.policyID, now: Self.nowNanoseconds()) {
        case let .refuse(reason, text):
            refuse(fd, reason, text)
            return false
        case let .forward(link, next, _, target, policy):
            // The policy goes on with the call while it steers it; once it
            // no longer does (expired here, path broken), the FIB rules for
            // the rest of the way.
            var onward = header
            onward.policyID = policy
            if policy != nil {
                onward.targetGateway = target
                counters.withLock { $0.add(.policyForwarded) }
            }
            return relay(fd, onward, prefix: prefix, link: link, next: next, pipes: pipes)
        case let .local(matched):
            var tried: [Endpoint] = []
            let preferred = box.table.targetInstance(policy: header.policyID, now: Self.nowNanoseconds())
            if let (instance, endpoint) = connectInstance(matched, tried: &tried, preferring: preferred) {
                return deliver(fd, instance: instance, endpoint: endpoint, prefix: matched, hopLimit: header.hopLimit, pipes: pipes,
                               read: prefix)
            }
            // No local instance could take it: on to another gateway, if any
            // (once: a call already redirected here stops here).
            guard header.targetGateway == nil else {
                refuse(fd, .noHealthyInstance,
                       "no healthy instance of \(matched) at \(node), nor at the gateway that redirected the call here")
                return false
            }
            switch box.table.decideElsewhere(name: header.name, matched: matched, hopLimit: header.hopLimit, flowID: header.flowID) {
            case let .forward(link, next, _, target, _):
                counters.withLock { $0.add(.redirectedElsewhere) }
                var redirected = header
                redirected.targetGateway = target
                return relay(fd, redirected, prefix: prefix, link: link, next: next, pipes: pipes)
            case let .refuse(reason, text):
                refuse(fd, reason, text)
            case .local:
                refuse(fd, .noHealthyInstance, "no healthy instance of \(matched) at \(node)")
            }
            return false
        }
    }

    /// Answers a call this hop cannot carry, then drains briefly so the
    /// reply is not lost to a reset (a lingering close, as HTTP servers do).
    func refuse(_ fd: Int32, _ reason: ReasonCode, _ text: String) {
        counters.withLock { $0.add("refused_\(reason.description.replacing("-", with: "_"))") }
        let reply = ForwardReply(status: .failed, node: node, reason: reason, reasonText: text)
        guard (try? ForwardingIO.write(fd, reply.encode(), timeoutMs: settings.connectTimeoutMs)) != nil else { return }
        _ = shutdown(fd, Int32(SHUT_WR))
        var sink: [UInt8] = []
        for _ in 0..<16 {
            sink.removeAll(keepingCapacity: true)
            guard let count = try? ForwardingIO.read(fd, into: &sink, max: 65_536, timeoutMs: 200), count > 0 else { return }
        }
    }

    /// A connection to the neighbour on `link`: an idle one if the pool
    /// has it, else a new one. `fresh` says which.
    func hopConnection(_ link: LinkID, next: NodeID) throws(ForwardingIOError) -> (fd: Int32, fresh: Bool) {
        if let fd = hopPool.take("link:\(link)") { return (fd, false) }
        guard let address = neighborAddress(link) else { throw .system("no address for link \(link) to \(next)", ENETUNREACH) }
        counters.withLock { $0.add(.hopConnects) }
        return (try ForwardingIO.connect(address, timeoutMs: settings.connectTimeoutMs), true)
    }

    /// Sends the call on to the neighbour on `link` with one hop less and
    /// relays its frames both ways (`prefix`: those already read from the
    /// previous hop); whether both connections stay usable.
    func relay(_ fd: Int32, _ header: ForwardHeader, prefix: [UInt8], link: LinkID, next: NodeID, pipes: Pipes) -> Bool {
        var onward = header
        onward.hopLimit -= 1
        let bytes = onward.encode()
        var downstream: Int32 = -1
        for attempt in 0..<2 {
            let connection: (fd: Int32, fresh: Bool)
            do {
                connection = try hopConnection(link, next: next)
            } catch {
                refuse(fd, error == .timeout ? .timeout : .nextHopDown, "\(node) could not reach \(next): \(error)")
                return false
            }
            if (try? ForwardingIO.write(connection.fd, bytes, timeoutMs: settings.connectTimeoutMs)) != nil {
                downstream = connection.fd
                break
            }
            close(connection.fd)
            if connection.fresh || attempt == 1 {
                refuse(fd, .nextHopDown, "\(node) could not send to \(next)")
                return false
            }
        }
        counters.withLock {
            $0.add(.relayed)
            $0.flowStarted(next.rawValue)
        }
        // One lock at the end: the call leaves the flows, its bytes count as load.
        var outcome: FramedRelay.Outcome?
        defer {
            counters.withLock {
                $0.flowEnded(next.rawValue)
                if let outcome {
                    $0.sent(outcome.requestBytes, on: link)
                    $0.sent(outcome.responseBytes, on: pipes.inbound)
                }
            }
        }
        do {
            let finished = try FramedRelay.run(upstream: fd, downstream: downstream, pipes: pipes.get(), prefix: prefix,
                                               limit: Self.maxHeaderFrame, idleTimeoutMs: settings.idleTimeoutMs)
            outcome = finished
            let reusable = finished.reusable
            if reusable { hopPool.give("link:\(link)", downstream) } else { close(downstream) }
            return reusable
        } catch {
            close(downstream)
            counters.withLock { $0.add((error as? ForwardingIOError) == .timeout ? .idleTimeouts : .relayErrors) }
            return false
        }
    }

    /// The egress: the call goes to `instance`. The request arrives in
    /// DATA frames (its head first); the instance's response goes back in
    /// DATA frames, its end found from its HTTP framing, then END. The
    /// instance connection is kept for the next call when HTTP allows.
    /// `read`: the request's frames already read from the connection.
    func deliver(_ fd: Int32, instance: Int32, endpoint: Endpoint, prefix: ServiceName, hopLimit: UInt8, pipes: Pipes,
                 read: [UInt8]) -> Bool {
        var failure: String?
        var keepInstance = false
        defer { finishInstance(instance, endpoint, prefix, failed: failure, keep: keepInstance) }
        counters.withLock { $0.flowStarted("local") }
        defer { counters.withLock { $0.flowEnded("local") } }
        do {
            let (sendPipe, receivePipe) = pipes.get()
            try ForwardingIO.write(fd, connectedReply, timeoutMs: settings.idleTimeoutMs)
            // The request: its head from the first frames, then the rest as it comes.
            let source = FramedSource(fd: fd, timeoutMs: settings.idleTimeoutMs, prefix: read)
            var buffer: [UInt8] = []
            var request: HTTPHead?
            while request == nil {
                guard try source.read(into: &buffer) > 0 else { throw HTTPError.malformedStartLine("the call ended before its request head") }
                request = try parser.parse(buffer, kind: .request)
            }
            let headLength = request!.byteCount
            let outgoing = HopLimitField.apply(to: buffer[0..<headLength], remaining: hopLimit) + buffer[headLength...]
            do throws(ForwardingIOError) {
                try ForwardingIO.write(instance, outgoing, timeoutMs: settings.idleTimeoutMs)
            } catch {
                if error.isRefusedOrReset { failure = "send: \(error)" }
                throw error
            }
            let sent = try source.drain(to: instance, pipe: sendPipe)
            counters.withLock { $0.add(.egressRequestBytes, buffer.count + Int(sent)) }
            // The response: 1xx heads, then the final head and its body.
            var responseBuffer: [UInt8] = []
            while true {
                let response: HTTPHead
                do throws(BodyError) {
                    response = try readHead(instance, buffer: &responseBuffer, kind: .response(requestMethod: request!.method),
                                            firstByteWithinMs: settings.idleTimeoutMs)
                } catch {
                    if case let .io(io) = error, io.isRefusedOrReset || io == .closed { failure = "no response: \(io)" }
                    throw error
                }
                let moved: UInt64
                if case let .length(total) = response.framing, !(100..<200).contains(response.status),
                   UInt64(responseBuffer.count - response.byteCount) >= total {
                    // The whole response is here already (the common small
                    // answer): head, body and END leave in one send.
                    let end = response.byteCount + Int(total)
                    var out = HopFrames.header(UInt32(response.byteCount)) + responseBuffer[0..<response.byteCount]
                    if total > 0 { out += HopFrames.header(UInt32(total)) + responseBuffer[response.byteCount..<end] }
                    out += HopFrames.header(0)
                    try ForwardingIO.write(fd, out, timeoutMs: settings.idleTimeoutMs)
                    responseBuffer.removeFirst(end)
                    moved = total
                } else {
                    try HopFrames.writeData(fd, responseBuffer[0..<response.byteCount], timeoutMs: settings.idleTimeoutMs)
                    responseBuffer.removeFirst(response.byteCount)
                    if (100..<200).contains(response.status) && response.status != 101 { continue }
                    moved = try moveBody(response.status == 101 ? .untilClose : response.framing, from: instance, to: fd,
                                         buffer: &responseBuffer, framed: true, pipe: receivePipe)
                    try HopFrames.writeEnd(fd, timeoutMs: settings.idleTimeoutMs)
                }
                counters.withLock {
                    $0.add(.egressResponseBytes, Int(moved))
                    $0.add(.egressResponses)
                    $0.sent(moved, on: pipes.inbound)
                }
                keepInstance = request!.keepAlive && response.keepAlive && response.framing != .untilClose
                    && response.status != 101 && responseBuffer.isEmpty
                return true
            }
        } catch {
            counters.withLock { $0.add(.egressErrors) }
            logger.debug("egress call failed", metadata: ["instance": "\(endpoint)", "error": "\(error)"])
            return false
        }
    }
}
