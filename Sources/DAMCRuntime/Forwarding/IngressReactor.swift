import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The gateway's ingress on event loops (docs/forwarding.md §threads): a
/// few threads, each with its own epoll set, serve every pod-facing
/// connection. The common call (a request without a body, for a name the
/// FIB sends to a neighbour over an idle pooled hop connection) runs here
/// from the request head to the end of the response, as a state machine
/// over the same framing as the blocking path, so that a busy loop serves
/// many calls per wake-up instead of waking one thread per call per step.
/// Everything else (a request body, a local instance, no pooled
/// connection yet, a pooled connection found dead) is handed, for that one
/// call, to a worker running the blocking code (`ForwardingPlane.call`),
/// which gives the connection back afterwards.
///
/// The loop's state is its own thread's only; other threads reach it
/// through `adopt`, which queues a connection and wakes the loop.
final class IngressReactor: @unchecked Sendable {
    unowned let plane: ForwardingPlane
    private let epoll: Int32
    private let wake: Int32
    private let inbox = PlaneLock<[(fd: Int32, buffer: [UInt8], first: Bool)]>([])
    private var connections: [UInt64: IngressConnection] = [:]
    private var nextID: UInt64 = 1
    private var lastSweep: Int64 = 0

    /// How often idle and stalled connections are checked against their deadlines.
    static let sweepMs: Int32 = 100

    init(plane: ForwardingPlane) throws(SystemError) {
        self.plane = plane
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw SystemError("epoll_create1", "ingress reactor") }
        wake = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wake >= 0 else {
            close(epoll)
            throw SystemError("eventfd", "ingress reactor")
        }
        var event = epoll_event()
        damc_epoll_event_set(&event, UInt32(EPOLLIN.rawValue), 0)
        guard epoll_ctl(epoll, EPOLL_CTL_ADD, wake, &event) == 0 else {
            close(wake)
            close(epoll)
            throw SystemError("epoll_ctl", "ingress reactor")
        }
    }

    /// Hands a client connection to this loop (from any thread): a new one
    /// (`first`: the first request must start within the header timeout),
    /// or one a worker gives back after a call, with the bytes it had read
    /// beyond that call.
    func adopt(_ fd: Int32, buffer: [UInt8] = [], first: Bool) {
        inbox.withLock { $0.append((fd, buffer, first)) }
        var one: UInt64 = 1
        _ = write(wake, &one, 8)
    }

    /// The loop (its own thread, for the life of the process).
    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), Self.sweepMs)
            if count < 0 && errno != EINTR { return }
            for index in 0..<max(0, Int(count)) {
                let data = damc_epoll_event_data(&events[index])
                let mask = damc_epoll_event_events(&events[index])
                if data == 0 {
                    var value: UInt64 = 0
                    _ = read(wake, &value, 8)
                    takeInbox()
                    continue
                }
                guard let connection = connections[data >> 1] else { continue }   // closed earlier in this batch
                if data & 1 == 0 { clientEvent(connection, mask) } else { upstreamEvent(connection, mask) }
            }
            let now = MonotonicClock.now()
            if now - lastSweep >= Int64(Self.sweepMs) * 1_000_000 {
                lastSweep = now
                sweep(now)
            }
        }
    }

    // MARK: Registration

    private func takeInbox() {
        let arrived = inbox.withLock { queue in
            let taken = queue
            queue.removeAll()
            return taken
        }
        for (fd, buffer, first) in arrived {
            let id = nextID
            nextID += 1
            let connection = IngressConnection(id: id, client: fd, input: buffer)
            connection.deadline = MonotonicClock.now()
                + (first ? plane.settings.headerTimeoutMs : plane.settings.idleTimeoutMs) * 1_000_000
            connections[id] = connection
            if first { plane.counters.withLock { $0.add("ingress_connections") } }
            guard register(fd, id << 1, UInt32(EPOLLIN.rawValue)) else {
                drop(connection)
                continue
            }
            processRequests(connection)
        }
    }

    private func register(_ fd: Int32, _ data: UInt64, _ events: UInt32) -> Bool {
        var event = epoll_event()
        damc_epoll_event_set(&event, events, data)
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0
    }

    private func modify(_ fd: Int32, _ data: UInt64, _ events: UInt32) {
        var event = epoll_event()
        damc_epoll_event_set(&event, events, data)
        _ = epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event)
    }

    private func unregister(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, fd, &event)
    }

    /// What the client's descriptor waits for now: output to flush, or the
    /// next request when no call is under way.
    private func updateClientInterest(_ connection: IngressConnection) {
        var events: UInt32 = 0
        if connection.hasOutput { events |= UInt32(EPOLLOUT.rawValue) }
        if connection.call == nil && !connection.closeAfterFlush { events |= UInt32(EPOLLIN.rawValue) }
        modify(connection.client, connection.id << 1, events)
    }

    // MARK: Client side

    private func clientEvent(_ connection: IngressConnection, _ mask: UInt32) {
        if mask & UInt32(EPOLLOUT.rawValue) != 0 || mask & UInt32(EPOLLERR.rawValue) != 0 {
            guard flush(connection) else { return }
        }
        if connection.call != nil {
            // A client that hangs up during a call ends it.
            if mask & (UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 {
                plane.counters.withLock { $0.add("ingress_response_aborts") }
                drop(connection)
            }
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
            drop(connection)
        }
    }

    /// Serves the requests waiting in the client's input, one at a time,
    /// until one needs more bytes, starts a call, or is handed to a worker.
    private func processRequests(_ connection: IngressConnection) {
        while connection.call == nil && !connection.closeAfterFlush && !connection.hasOutput {
            guard !connection.input.isEmpty else {
                connection.headStarted = nil
                if connection.requests > 0 {
                    connection.deadline = MonotonicClock.now() + plane.settings.idleTimeoutMs * 1_000_000
                }
                updateClientInterest(connection)
                return
            }
            let head: HTTPHead
            do throws(HTTPError) {
                guard let parsed = try plane.parser.parse(connection.input, kind: .request) else {
                    if connection.headStarted == nil {
                        connection.headStarted = MonotonicClock.now()
                        connection.deadline = connection.headStarted! + plane.settings.headerTimeoutMs * 1_000_000
                    }
                    updateClientInterest(connection)
                    return
                }
                head = parsed
            } catch {
                plane.counters.withLock { $0.add("ingress_bad_requests") }
                connection.closeAfterFlush = true
                send(connection, ErrorResponse(error, hop: plane.node).bytes)
                return
            }
            connection.headStarted = nil
            connection.requests += 1
            let headBytes = Array(connection.input[0..<head.byteCount])
            connection.input.removeFirst(head.byteCount)
            plane.counters.withLock { $0.add("ingress_requests") }
            start(connection, head, headBytes)
        }
        if connection.call == nil { updateClientInterest(connection) }
    }

    /// One request: refused here, sent to the next hop from this loop, or
    /// handed to a worker.
    private func start(_ connection: IngressConnection, _ head: HTTPHead, _ headBytes: [UInt8]) {
        let name: ServiceName
        do {
            name = try RequestName.name(forTarget: head.target)
        } catch {
            fail(connection, ErrorResponse(error, hop: plane.node), head)
            return
        }
        guard head.framing == .none else { return escalate(connection, head, headBytes) }
        let flowID = FlowID.next()
        let hopLimit = min(UInt8(plane.settings.hopLimit), HopLimitField.value(in: head) ?? .max)
        let decision = plane.currentTable.decide(name: name, hopLimit: hopLimit, flowID: flowID,
                                                 now: ForwardingPlane.nowNanoseconds())
        switch decision {
        case let .refuse(reason, text):
            fail(connection, ErrorResponse(reply: reason, text: text, hop: plane.node, name: name, keepAlive: true), head)
        case .local:
            escalate(connection, head, headBytes)
        case let .forward(link, next, _, target, policy):
            guard let upstream = plane.hopPool.take("link:\(link)") else { return escalate(connection, head, headBytes) }
            let header = ForwardHeader(name: name, flowID: flowID, hopLimit: hopLimit - 1, origin: plane.node, policyID: policy,
                                       targetGateway: target)
            let opening = header.encode() + HopFrames.header(UInt32(headBytes.count)) + headBytes + HopFrames.header(0)
            // An idle connection's send buffer is empty: the opening fits at once.
            guard (try? ForwardingIO.write(upstream, opening, timeoutMs: plane.settings.connectTimeoutMs)) != nil,
                  register(upstream, connection.id << 1 | 1, UInt32(EPOLLIN.rawValue)) else {
                close(upstream)
                return escalate(connection, head, headBytes)
            }
            plane.counters.withLock {
                if policy != nil { $0.add("policy_forwarded") }
                $0.sent(UInt64(headBytes.count), on: link)
                $0.flowStarted(next.rawValue)
            }
            connection.call = HopCall(head: head, headBytes: headBytes, name: name, link: link, next: next, upstream: upstream)
            connection.deadline = MonotonicClock.now() + plane.settings.idleTimeoutMs * 1_000_000
            updateClientInterest(connection)
        }
    }

    /// Answers the client with an error; its connection stays open when
    /// the request and the error allow it.
    private func fail(_ connection: IngressConnection, _ response: ErrorResponse, _ head: HTTPHead) {
        plane.counters.withLock { $0.add("ingress_errors") }
        var response = response
        response.keepAlive = head.keepAlive && head.framing == .none && response.keepAlive
        if !response.keepAlive { connection.closeAfterFlush = true }
        send(connection, response.bytes)
    }

    /// Runs this one call on a worker with the blocking code; the worker
    /// gives the connection back to a loop afterwards if it stays open.
    private func escalate(_ connection: IngressConnection, _ head: HTTPHead, _ headBytes: [UInt8]) {
        unregister(connection.client)
        connections[connection.id] = nil
        let fd = connection.client
        var leftover = connection.input
        let plane = self.plane
        let reactor = self
        plane.counters.withLock { $0.add("ingress_calls_on_workers") }
        let spawned = plane.workers.run {
            let keep = plane.call(head, headBytes, client: fd, buffer: &leftover)
            if keep && !plane.isStopping {
                reactor.adopt(fd, buffer: leftover, first: false)
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

    private func upstreamEvent(_ connection: IngressConnection, _ mask: UInt32) {
        guard let call = connection.call else { return }
        var ended = false
        // Read while the client keeps up; a backlog pauses the upstream.
        while !connection.hasOutput {
            let result = receive(call.upstream, into: &call.buffer, max: 65_536)
            if case .closed = result { ended = true; break }
            guard case .bytes = result else { break }
            connection.deadline = MonotonicClock.now() + plane.settings.idleTimeoutMs * 1_000_000
            guard consume(connection, call) else { return }
            if connection.call !== call { return }   // over (and maybe the next call started)
        }
        if ended {
            upstreamEnded(connection, call)
        } else if connection.hasOutput {
            modify(call.upstream, connection.id << 1 | 1, 0)   // paused until the client drains
            call.paused = true
        }
    }

    /// Takes the reply, frame headers and payload out of the upstream
    /// bytes (docs/wire.md §5.8). False when the connection is gone.
    private func consume(_ connection: IngressConnection, _ call: HopCall) -> Bool {
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
                let message: DAMCMessage
                do {
                    message = try DAMCMessage.decode(Array(call.buffer[call.offset..<call.offset + length]))
                } catch {
                    return badResponse(connection, call, "malformed reply: \(error)")
                }
                call.offset += length
                guard case let .forwardReply(reply) = message else {
                    return badResponse(connection, call, "expected a ForwardReply, got \(message.messageType)")
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
                call.phase = .frameHeader
            case .frameHeader:
                guard available >= 4 else { return compact(call) }
                let bytes = call.buffer[call.offset..<call.offset + 4]
                let length = Int(bytes[bytes.startIndex]) << 24 | Int(bytes[bytes.startIndex + 1]) << 16
                    | Int(bytes[bytes.startIndex + 2]) << 8 | Int(bytes[bytes.startIndex + 3])
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
    private func compact(_ call: HopCall) -> Bool {
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
    private func deliver(_ connection: IngressConnection, _ call: HopCall, _ payload: ArraySlice<UInt8>) -> Bool {
        if call.response != nil {
            call.responseBytes += payload.count
            send(connection, payload)
            return connections[connection.id] != nil
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
                send(connection, call.headBuffer[0..<head.byteCount])
                call.headBuffer.removeFirst(head.byteCount)
                call.sentSomething = true
                continue
            }
            call.response = head
            call.responseBytes += call.headBuffer.count - head.byteCount
            send(connection, call.headBuffer)
            call.headBuffer = []
        }
        return connections[connection.id] != nil
    }

    /// END of the response: the call is over.
    private func endOfResponse(_ connection: IngressConnection, _ call: HopCall) -> Bool {
        guard let response = call.response else {
            return badResponse(connection, call, "\(call.next): the call ended without a response")
        }
        plane.counters.withLock {
            $0.add("ingress_response_bytes", call.responseBytes)
            $0.add("ingress_responses")
        }
        let keep = call.head.keepAlive && response.keepAlive && response.framing != .untilClose && response.status != 101
        let leftover = call.buffer.count - call.offset
        finishCall(connection, call, reusable: leftover == 0)
        if !keep {
            connection.closeAfterFlush = true
            if !connection.hasOutput { drop(connection) } else { updateClientInterest(connection) }
            return false
        }
        connection.deadline = MonotonicClock.now() + plane.settings.idleTimeoutMs * 1_000_000
        processRequests(connection)
        return connections[connection.id] != nil
    }

    /// The upstream closed or failed before END.
    private func upstreamEnded(_ connection: IngressConnection, _ call: HopCall) {
        if case .reply = call.phase, call.buffer.isEmpty {
            // A pooled connection the neighbour had closed: the request has
            // no body, so a worker sends it again on a new connection.
            finishCall(connection, call, reusable: false)
            escalate(connection, call.head, call.headBytes)
            return
        }
        _ = badResponse(connection, call, "\(call.next): the connection ended before the response did")
    }

    /// A broken call: an error response if nothing was sent yet, else the
    /// client connection is closed (its response cannot be completed).
    private func badResponse(_ connection: IngressConnection, _ call: HopCall, _ text: String) -> Bool {
        let started = call.response != nil || call.sentSomething
        finishCall(connection, call, reusable: false)
        if started {
            plane.counters.withLock { $0.add("ingress_response_aborts") }
            drop(connection)
            return false
        }
        fail(connection, ErrorResponse(reply: .nextHopDown, text: text, hop: plane.node, name: call.name, keepAlive: true), call.head)
        processRequests(connection)
        return false
    }

    /// Ends the call's use of its hop connection: back to the pool when
    /// both ENDs passed cleanly, else closed.
    private func finishCall(_ connection: IngressConnection, _ call: HopCall, reusable: Bool) {
        unregister(call.upstream)
        if reusable { plane.hopPool.give("link:\(call.link)", call.upstream) } else { close(call.upstream) }
        plane.counters.withLock {
            $0.flowEnded(call.next.rawValue)
            $0.sent(UInt64(call.responseBytes), on: call.link)
        }
        connection.call = nil
    }

    // MARK: Output to the client

    private func send(_ connection: IngressConnection, _ bytes: some Collection<UInt8>) {
        guard !bytes.isEmpty else { return }
        if connection.hasOutput {
            connection.output.append(contentsOf: bytes)
            return
        }
        let sent = Array(bytes).withUnsafeBytes { raw in
            Glibc.send(connection.client, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
        }
        if sent == bytes.count {
            if connection.closeAfterFlush && connection.call == nil { drop(connection) }
            return
        }
        if sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            plane.counters.withLock { $0.add("ingress_response_aborts") }
            drop(connection)
            return
        }
        connection.output = Array(bytes.dropFirst(max(0, sent)))
        connection.outputOffset = 0
        updateClientInterest(connection)
    }

    /// Writes pending output; false when the connection was dropped.
    private func flush(_ connection: IngressConnection) -> Bool {
        while connection.hasOutput {
            let sent = connection.output.withUnsafeBytes { raw in
                Glibc.send(connection.client, raw.baseAddress! + connection.outputOffset, raw.count - connection.outputOffset,
                           Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                connection.outputOffset += sent
                continue
            }
            if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return true }
            if sent < 0 && errno == EINTR { continue }
            plane.counters.withLock { $0.add("ingress_response_aborts") }
            drop(connection)
            return false
        }
        connection.output = []
        connection.outputOffset = 0
        finishedOutput(connection)
        return connections[connection.id] != nil
    }

    /// Output drained: close if that was the last of it, resume a paused
    /// call, or read the next request.
    private func finishedOutput(_ connection: IngressConnection) {
        if connection.closeAfterFlush && connection.call == nil {
            drop(connection)
            return
        }
        if let call = connection.call, call.paused {
            call.paused = false
            modify(call.upstream, connection.id << 1 | 1, UInt32(EPOLLIN.rawValue))
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

    private func sweep(_ now: Int64) {
        let stopping = plane.isStopping
        for connection in Array(connections.values) where connection.deadline <= now || (stopping && connection.call == nil) {
            if connection.call != nil {
                plane.counters.withLock { $0.add("ingress_response_aborts") }
            } else if connection.headStarted != nil, !connection.hasOutput {
                plane.counters.withLock { $0.add("ingress_header_timeouts") }
                let response = ErrorResponse(status: 408, code: "request-timeout", name: nil, hop: plane.node.rawValue,
                                             reason: "request head not complete within \(plane.settings.headerTimeoutMs) ms",
                                             keepAlive: false)
                _ = response.bytes.withUnsafeBytes { Glibc.send(connection.client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
            drop(connection)
        }
    }

    /// Closes the client connection (and the call's hop connection).
    private func drop(_ connection: IngressConnection) {
        if let call = connection.call { finishCall(connection, call, reusable: false) }
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        unregister(connection.client)
        close(connection.client)
        plane.release()
    }

    // MARK: Reading

    enum Received { case bytes, wouldBlock, closed }

    /// One non-blocking read into `buffer`.
    private func receive(_ fd: Int32, into buffer: inout [UInt8], max: Int) -> Received {
        while true {
            let count = withUnsafeTemporaryAllocation(byteCount: max, alignment: 16) { scratch -> Int in
                let count = recv(fd, scratch.baseAddress, max, Int32(MSG_DONTWAIT))
                if count > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count])) }
                return count
            }
            if count > 0 { return .bytes }
            if count == 0 { return .closed }
            if errno == EINTR { continue }
            return errno == EAGAIN || errno == EWOULDBLOCK ? .wouldBlock : .closed
        }
    }
}

/// One pod-facing connection on an ingress loop.
final class IngressConnection {
    let id: UInt64
    let client: Int32
    /// Bytes from the client not yet part of a handled request.
    var input: [UInt8]
    /// Bytes for the client that did not fit in its socket yet.
    var output: [UInt8] = []
    var outputOffset = 0
    /// When the connection is dropped if nothing happens (header, idle or
    /// call timeout, whichever applies now).
    var deadline: Int64 = 0
    /// When the current partial request head began arriving.
    var headStarted: Int64?
    /// Requests served on this loop (before the first, the header timeout
    /// applies while waiting; after, the idle timeout).
    var requests = 0
    var call: HopCall?
    /// Close once the output is out (an error that ends the connection,
    /// or a response that does not allow another request).
    var closeAfterFlush = false

    var hasOutput: Bool { outputOffset < output.count }

    init(id: UInt64, client: Int32, input: [UInt8]) {
        self.id = id
        self.client = client
        self.input = input
    }
}

/// A call under way on an ingress loop: the request went out on `upstream`;
/// the reply, DATA frames and END come back (docs/wire.md §5.8).
final class HopCall {
    enum Phase { case reply, frameHeader, payload(Int) }
    let head: HTTPHead
    let headBytes: [UInt8]
    let name: ServiceName
    let link: LinkID
    let next: NodeID
    let upstream: Int32
    var phase = Phase.reply
    /// Bytes read from upstream; those before `offset` are consumed.
    var buffer: [UInt8] = []
    var offset = 0
    /// Response bytes until its final head is complete.
    var headBuffer: [UInt8] = []
    var response: HTTPHead?
    /// An interim (1xx) head already went to the client.
    var sentSomething = false
    var responseBytes = 0
    /// Reading stopped until the client takes what is pending.
    var paused = false

    init(head: HTTPHead, headBytes: [UInt8], name: ServiceName, link: LinkID, next: NodeID, upstream: Int32) {
        self.head = head
        self.headBytes = headBytes
        self.name = name
        self.link = link
        self.next = next
        self.upstream = upstream
    }
}
