import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The ingress on the forwarding plane's event loops (draft-li-icnrg-damc
/// §7.2 step 1; docs/forwarding.md §ingress, §threads): a pod's request
/// head is read and decided here; a bodiless call to a neighbour goes out
/// on an idle hop connection of this loop, and its reply, DATA frames and
/// END come back through the state machine below (docs/wire.md §5.8).
/// Other calls run on a worker with the blocking code
/// (`ForwardingPlane.call`), which gives the connection back.
extension ForwardingReactor {
    // MARK: Client side

    /// A pod's connection arrives on this loop.
    func adoptPod(_ fd: Int32, buffer: [UInt8], first: Bool) {
        let id = makeID()
        let connection = IngressConnection(id: id, client: fd, input: buffer)
        connection.deadline = now
            + (first ? plane.settings.headerTimeoutMs : plane.settings.idleTimeoutMs) * 1_000_000
        connections[id] = connection
        if first { record { $0.add(.ingressConnections) } }
        guard register(fd, id << 2 | Tag.pod, UInt32(EPOLLIN.rawValue)) else { return drop(connection) }
        processRequests(connection)
    }

    /// What the client's descriptor waits for now: output to flush, or the
    /// next request when no call is under way.
    /// Reading stays on during a call (no epoll_ctl per call); it stops only
    /// at the client's end of stream, when closing, or when a call is under
    /// way and the client has sent this much more (pipelining).
    func updateClientInterest(_ connection: IngressConnection) {
        var events: UInt32 = 0
        if connection.hasOutput { events |= UInt32(EPOLLOUT.rawValue) }
        if !connection.closeAfterFlush && !connection.clientEnded
            && (connection.call == nil || connection.input.count < plane.settings.maxHeadBytes) {
            events |= UInt32(EPOLLIN.rawValue)
        }
        guard events != connection.interest else { return }
        connection.interest = events
        modify(connection.client, connection.id << 2 | Tag.pod, events)
    }



    func clientEvent(_ connection: IngressConnection, _ mask: UInt32) {
        if mask & UInt32(EPOLLOUT.rawValue) != 0 || mask & UInt32(EPOLLERR.rawValue) != 0 {
            guard flush(connection) else { return }
        }
        if connection.call != nil {
            // A client that hangs up during a call ends it; one that only
            // shut down its sending side still gets the response.
            if mask & (UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 {
                record { $0.add(.ingressResponseAborts) }
                drop(connection)
                return
            }
            guard mask & UInt32(EPOLLIN.rawValue) != 0 else { return }
            if case .closed = receive(connection.client, into: &connection.input, max: 16_384) { connection.clientEnded = true }
            updateClientInterest(connection)
            return
        }
        guard mask & (UInt32(EPOLLIN.rawValue) | UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0,
              !connection.closeAfterFlush else { return }
        switch receive(connection.client, into: &connection.input, max: 16_384) {
        case .bytes:
            processRequests(connection)
        case .wouldBlock:
            break
        case .closed:
            connection.clientEnded = true
            processRequests(connection)   // a complete request before the end is still served
            if connections[connection.id] != nil && connection.call == nil && !connection.hasOutput { drop(connection) }
        }
    }

    /// Serves the requests waiting in the client's input, one at a time,
    /// until one needs more bytes, starts a call, or is handed to a worker.
    func processRequests(_ connection: IngressConnection) {
        while connection.call == nil && !connection.closeAfterFlush && !connection.hasOutput {
            guard !connection.input.isEmpty else {
                if connection.clientEnded { return drop(connection) }
                connection.headStarted = nil
                if connection.requests > 0 {
                    connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
                }
                updateClientInterest(connection)
                return
            }
            let head: HTTPHead
            do throws(HTTPError) {
                guard let parsed = try plane.parser.parse(connection.input, kind: .request) else {
                    if connection.clientEnded { return drop(connection) }   // a partial head, then the end
                    if connection.headStarted == nil {
                        connection.headStarted = now
                        connection.deadline = connection.headStarted! + plane.settings.headerTimeoutMs * 1_000_000
                    }
                    updateClientInterest(connection)
                    return
                }
                head = parsed
            } catch {
                record { $0.add(.ingressBadRequests) }
                connection.closeAfterFlush = true
                send(connection, ErrorResponse(error, hop: plane.node).bytes)
                return
            }
            connection.headStarted = nil
            connection.requests += 1
            connection.input.removeFirst(head.byteCount)
            start(connection, head)
        }
        if connection.call == nil { updateClientInterest(connection) }
    }

    /// One request: refused here, sent to the next hop from this loop, or
    /// handed to a worker.
    func start(_ connection: IngressConnection, _ head: HTTPHead) {
        record { $0.add(.ingressRequests) }
        let name: ServiceName
        let flowClass: UInt8?
        do throws(HTTPError) {
            name = try RequestName.name(forTarget: head.target)
            flowClass = try FlowClassField.value(in: head)
        } catch {
            return fail(connection, ErrorResponse(error, hop: plane.node), head)
        }
        guard head.framing == .none else { return escalate(connection, head) }
        let flowID = FlowID.next()
        let hopLimit = min(UInt8(plane.settings.hopLimit), HopLimitField.value(in: head) ?? .max)
        let decision = plane.tables.table.decide(name: name, hopLimit: hopLimit, flowID: flowID, flowClass: flowClass,
                                                 now: now)
        switch decision {
        case let .refuse(reason, text):
            fail(connection, ErrorResponse(reply: reason, text: text, hop: plane.node, name: name, keepAlive: true), head)
        case .local:
            escalate(connection, head)
        case let .forward(link, next, _, target, policy):
            let header = ForwardHeader(name: name, flowID: flowID, hopLimit: hopLimit - 1, origin: plane.node, policyID: policy,
                                       targetGateway: target)
            var opening = header.encode()
            opening.reserveCapacity(opening.count + head.bytes.count + 8)
            opening.append(contentsOf: HopFrames.header(UInt32(head.bytes.count)))
            opening.append(contentsOf: head.bytes)
            opening.append(contentsOf: HopFrames.header(0))
            let call: HopCall
            if let mux = muxLink(link) {
                // A stream of the loop's multiplexed connection: it leaves
                // with the wake-up's other calls, in one send.
                let stream = sendOnMux(mux, opening, owner: .ingress(connection))
                call = HopCall(head: head, name: name, next: next, mux: mux, stream: stream, hopLimit: hopLimit - 1)
            } else {
                guard let lease = takeHop(link) else { return escalate(connection, head) }
                // An idle connection's send buffer is empty: the opening fits at once.
                guard (try? ForwardingIO.write(lease.fd, opening, timeoutMs: plane.settings.connectTimeoutMs)) != nil else {
                    discard(lease)
                    return escalate(connection, head)
                }
                lease.owner = connection
                call = HopCall(head: head, name: name, next: next, lease: lease, hopLimit: hopLimit - 1)
            }
            record {
                if policy != nil { $0.add(.policyForwarded) }
                if call.mux != nil { $0.add(.muxCalls) }
                $0.sent(UInt64(head.bytes.count), on: link)
                $0.flowStarted(next.rawValue)
            }
            connection.call = call
            connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
            updateClientInterest(connection)
        }
    }

    /// Answers the client with an error; its connection stays open when
    /// the request and the error allow it.
    func fail(_ connection: IngressConnection, _ response: ErrorResponse, _ head: HTTPHead) {
        record { $0.add(.ingressErrors) }
        var response = response
        response.keepAlive = head.keepAlive && head.framing == .none && response.keepAlive
        if !response.keepAlive { connection.closeAfterFlush = true }
        send(connection, response.bytes)
    }

    /// Runs this one call on a worker with the blocking code; the worker
    /// gives the connection back to a loop afterwards if it stays open.
    /// `resume`: fetch a parked response (the header, link and next hop)
    /// instead of deciding the call again.
    func escalate(_ connection: IngressConnection, _ head: HTTPHead, resume: (ForwardHeader, LinkID, NodeID)? = nil) {
        unregister(connection.client)
        connections[connection.id] = nil
        let fd = connection.client
        var leftover = connection.input
        let plane = self.plane
        let reactor = self
        record { $0.add(.ingressCallsOnWorkers) }
        let spawned = plane.workers.run {
            let keep: Bool
            if let (header, link, next) = resume {
                plane.counters.withLock { $0.add(.muxResumed) }
                keep = plane.callViaHop(head, client: fd, buffer: &leftover, header: header, link: link, next: next)
            } else {
                keep = plane.call(head, client: fd, buffer: &leftover)
            }
            if keep && !plane.isStopping {
                reactor.adopt(.pod(fd: fd, buffer: leftover, first: false))
            } else {
                close(fd)
                plane.release()
            }
        }
        if !spawned {
            let response = ErrorResponse(status: 503, code: ReasonCode.overloaded.description, name: nil,
                                         hop: plane.node.rawValue, reason: "\(plane.node) could not start a worker",
                                         keepAlive: false)
            try? ForwardingIO.write(fd, response.bytes, timeoutMs: 100)
            close(fd)
            plane.release()
        }
    }

    // MARK: Upstream side (the hop connection of the call)

    func upstreamEvent(_ connection: IngressConnection, _ mask: UInt32) {
        guard let call = connection.call, let lease = call.lease else { return }
        if call.paused { return quieten(lease.fd, mask) }
        var ended = false
        // Read while the client keeps up; a backlog pauses the upstream.
        while !connection.hasOutput {
            let result = receive(lease.fd, into: &call.buffer, max: 65_536)
            if case .closed = result { ended = true; break }
            guard case .bytes = result else { break }
            connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
            guard consume(connection, call) else { return }
            if connection.call !== call { return }   // over (and maybe the next call started)
        }
        if ended {
            upstreamEnded(connection, call)
        } else if connection.hasOutput {
            modify(lease.fd, lease.id << 2 | Tag.lease, 0)   // paused until the client drains
            call.paused = true
        }
    }

    /// Takes the reply, frame headers and payload out of the upstream
    /// bytes (docs/wire.md §5.8), and sends the client what they held.
    /// False when the connection is gone.
    func consume(_ connection: IngressConnection, _ call: HopCall) -> Bool {
        guard consumeFrames(connection, call) else { return false }
        return connection.call !== call || sendStaged(connection)
    }

    /// Sends the response bytes staged for the client; false when the
    /// connection is gone.
    func sendStaged(_ connection: IngressConnection) -> Bool {
        guard connection.output.hasStaged else { return true }
        settle(connection, connection.output.sendStaged(to: connection.client))
        return connections[connection.id] != nil
    }

    func consumeFrames(_ connection: IngressConnection, _ call: HopCall) -> Bool {
        while true {
            let available = call.buffer.count - call.offset
            switch call.phase {
            case .reply:
                guard available > 0 else { return compact(call) }
                let length: Int?
                do {
                    length = try DAMCMessage.frameLength(of: Array(call.buffer[call.offset..<min(call.buffer.count, call.offset + 16)]))
                } catch {
                    return badResponse(connection, call, "malformed reply: \(error)")
                }
                guard let length else {
                    if available >= 16 { return badResponse(connection, call, "malformed reply: no length in its first 16 bytes") }
                    return compact(call)
                }
                guard length <= ForwardingPlane.maxHeaderFrame else { return badResponse(connection, call, "reply of \(length) bytes") }
                guard available >= length else { return compact(call) }
                let replyBytes = call.buffer[call.offset..<call.offset + length]
                // The same bytes as a `connected` reply seen before (a
                // neighbour's is the same on every call): no decoding.
                if connectedReplies.contains(where: { $0.elementsEqual(replyBytes) }) {
                    call.offset += length
                    call.phase = .frameHeader
                    continue
                }
                let message: DAMCMessage
                do {
                    message = try DAMCMessage.decode(Array(replyBytes))
                } catch {
                    return badResponse(connection, call, "malformed reply: \(error)")
                }
                call.offset += length
                guard case let .forwardReply(reply) = message else {
                    return badResponse(connection, call, "expected a ForwardReply, got \(message.messageType)")
                }
                if call.mux != nil, reply.status == .dedicated {
                    // Nothing was done: the call goes the serial way, on a worker
                    // (counted as `mux_dedicated` where it was answered).
                    finishCall(connection, call, reusable: false)
                    escalate(connection, call.head)
                    return false
                }
                if call.mux != nil, reply.status == .parked, let token = reply.resumeToken {
                    // The response waits at the gateway: a worker fetches it.
                    finishCall(connection, call, reusable: false)
                    let resume = ForwardHeader(name: call.name, flowID: FlowID.next(), hopLimit: call.hopLimit, origin: plane.node,
                                               applicationProtocol: .resume, targetGateway: reply.node, resumeToken: token)
                    escalate(connection, call.head, resume: (resume, call.link, call.next))
                    return false
                }
                guard reply.status == .connected else {
                    let reason = reply.reason ?? .internalError
                    var response = ErrorResponse(status: ErrorResponse.status(for: reason), code: reason.description, name: nil,
                                                 hop: reply.node.rawValue, reason: reply.reasonText ?? reason.description,
                                                 keepAlive: true)
                    response.name = call.name.description
                    finishCall(connection, call, reusable: false)
                    fail(connection, response, call.head)
                    processRequests(connection)
                    return connections[connection.id] != nil
                }
                if connectedReplies.count < Self.connectedRepliesKept { connectedReplies.append(Array(replyBytes)) }
                call.phase = .frameHeader
            case .frameHeader:
                guard available >= 4 else { return compact(call) }
                let length = Int(HopFrames.length(call.buffer[call.offset..<call.offset + 4]))
                call.offset += 4
                if length == 0 { return endOfResponse(connection, call) }
                call.phase = .payload(length)
            case let .payload(left):
                guard available > 0 else { return compact(call) }
                let take = min(left, available)
                let slice = call.buffer[call.offset..<call.offset + take]
                call.offset += take
                call.phase = left - take == 0 ? .frameHeader : .payload(left - take)
                guard deliver(connection, call, slice) else { return false }
            }
        }
    }

    /// Drops consumed bytes from the front of the upstream buffer.
    func compact(_ call: HopCall) -> Bool {
        if call.offset == call.buffer.count {
            call.buffer.removeAll(keepingCapacity: true)
            call.offset = 0
        } else if call.offset > 32_768 {
            call.buffer.removeFirst(call.offset)
            call.offset = 0
        }
        return true
    }

    /// Response bytes from DATA frames: the head is parsed (1xx heads pass
    /// through first), then everything goes to the client.
    func deliver(_ connection: IngressConnection, _ call: HopCall, _ payload: ArraySlice<UInt8>) -> Bool {
        if call.response != nil {
            call.responseBytes += payload.count
            connection.output.stage(payload)
            return true
        }
        call.headBuffer.append(contentsOf: payload)
        while call.response == nil {
            let parsed: HTTPHead?
            do throws(HTTPError) {
                parsed = try plane.parser.parse(call.headBuffer, kind: .response(requestMethod: call.head.method))
            } catch {
                return badResponse(connection, call, "\(call.next): bad response: \(error)")
            }
            guard let head = parsed else { return true }
            if (100..<200).contains(head.status) && head.status != 101 {
                connection.output.stage(call.headBuffer[0..<head.byteCount])
                call.headBuffer.removeFirst(head.byteCount)
                call.sentSomething = true
                continue
            }
            call.response = head
            call.responseBytes += call.headBuffer.count - head.byteCount
            connection.output.stage(call.headBuffer)
            call.headBuffer = []
        }
        return true
    }

    /// END of the response: the call is over.
    func endOfResponse(_ connection: IngressConnection, _ call: HopCall) -> Bool {
        guard let response = call.response else {
            return badResponse(connection, call, "\(call.next): the call ended without a response")
        }
        guard sendStaged(connection) else { return false }
        call.completed = true
        let keep = call.head.keepAlive && response.keepAlive && response.framing != .untilClose && response.status != 101
        let leftover = call.buffer.count - call.offset
        finishCall(connection, call, reusable: leftover == 0)
        if !keep {
            connection.closeAfterFlush = true
            if !connection.hasOutput { drop(connection) } else { updateClientInterest(connection) }
            return false
        }
        connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
        processRequests(connection)
        return connections[connection.id] != nil
    }

    /// The upstream closed or failed before END.
    func upstreamEnded(_ connection: IngressConnection, _ call: HopCall) {
        if case .reply = call.phase, call.buffer.isEmpty {
            // A pooled connection the neighbour had closed: the request has
            // no body, so a worker sends it again on a new connection.
            finishCall(connection, call, reusable: false)
            escalate(connection, call.head)
            return
        }
        _ = badResponse(connection, call, "\(call.next): the connection ended before the response did")
    }

    /// A broken call: an error response if nothing was sent yet, else the
    /// client connection is closed (its response cannot be completed).
    func badResponse(_ connection: IngressConnection, _ call: HopCall, _ text: String) -> Bool {
        let started = call.response != nil || call.sentSomething
        finishCall(connection, call, reusable: false)
        if started {
            record { $0.add(.ingressResponseAborts) }
            drop(connection)
            return false
        }
        fail(connection, ErrorResponse(reply: .nextHopDown, text: text, hop: plane.node, name: call.name, keepAlive: true), call.head)
        processRequests(connection)
        return false
    }

    /// Ends the call's use of its hop connection: back to the pool when
    /// both ENDs passed cleanly, else closed.
    func finishCall(_ connection: IngressConnection, _ call: HopCall, reusable: Bool) {
        if let lease = call.lease {
            if reusable { park(lease) } else { discard(lease) }
        } else if let mux = call.mux, mux.streams[call.stream] != nil {
            mux.streams[call.stream] = .abandoned   // its answer, when it comes, is dropped
        }
        record {
            if call.completed {
                $0.add(.ingressResponseBytes, call.responseBytes)
                $0.add(.ingressResponses)
            }
            $0.flowEnded(call.next.rawValue)
            $0.sent(UInt64(call.responseBytes), on: call.link)
        }
        connection.call = nil
    }

    // MARK: Output to the client

    func send(_ connection: IngressConnection, _ bytes: some Collection<UInt8>) {
        settle(connection, connection.output.send(bytes, to: connection.client))
    }

    /// What follows a send to the client: close when that was the last of
    /// it, wait for the socket, or drop a broken connection.
    func settle(_ connection: IngressConnection, _ outcome: PendingOutput.Outcome) {
        switch outcome {
        case .done:
            if connection.closeAfterFlush && connection.call == nil { drop(connection) }
        case .pending:
            updateClientInterest(connection)
        case .broken:
            record { $0.add(.ingressResponseAborts) }
            drop(connection)
        }
    }

    /// Writes pending output; false when the connection was dropped.
    func flush(_ connection: IngressConnection) -> Bool {
        switch connection.output.flush(to: connection.client) {
        case .pending:
            return true
        case .broken:
            record { $0.add(.ingressResponseAborts) }
            drop(connection)
            return false
        case .done:
            finishedOutput(connection)
            return connections[connection.id] != nil
        }
    }

    /// Output drained: close if that was the last of it, resume a paused
    /// call, or read the next request.
    func finishedOutput(_ connection: IngressConnection) {
        if connection.closeAfterFlush && connection.call == nil {
            drop(connection)
            return
        }
        if let call = connection.call, call.paused, let lease = call.lease {
            call.paused = false
            watch(lease.fd, lease.id << 2 | Tag.lease, UInt32(EPOLLIN.rawValue))
            updateClientInterest(connection)
            // Bytes read before the pause may already hold more of the response.
            if consume(connection, call), connection.call === call { upstreamEvent(connection, UInt32(EPOLLIN.rawValue)) }
            return
        }
        if connection.call == nil {
            updateClientInterest(connection)
            processRequests(connection)
        }
    }

    // MARK: Timeouts and teardown

    func sweepIngress(_ now: Int64) {
        let stopping = plane.isStopping
        for connection in Array(connections.values) where connection.deadline <= now || (stopping && connection.call == nil) {
            if connection.call != nil {
                record { $0.add(.ingressResponseAborts) }
            } else if connection.headStarted != nil, !connection.hasOutput {
                record { $0.add(.ingressHeaderTimeouts) }
                let response = ErrorResponse(status: 408, code: "request-timeout", name: nil, hop: plane.node.rawValue,
                                             reason: "request head not complete within \(plane.settings.headerTimeoutMs) ms",
                                             keepAlive: false)
                _ = response.bytes.withUnsafeBytes { Glibc.send(connection.client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            drop(connection)
        }
    }

    /// Closes the client connection (and the call's hop connection).
    func drop(_ connection: IngressConnection) {
        if let call = connection.call { finishCall(connection, call, reusable: false) }
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        unregister(connection.client)
        close(connection.client)
        plane.release()
    }
}
