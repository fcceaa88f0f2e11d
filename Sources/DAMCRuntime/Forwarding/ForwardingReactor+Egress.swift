import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// Connections from neighbours on the forwarding plane's event loops
/// (draft-li-icnrg-damc §7.2; docs/forwarding.md §hops, §egress, §threads).
/// Between calls the loop waits for the next forwarding header and reads
/// it, with whatever follows, in one read. A call it can carry alone (a
/// relay over an idle connection of this loop, or a local instance with an
/// idle keep-alive connection; no request body, the whole request head and
/// END read) runs here: reply `connected`, the head to the instance, its
/// response back in DATA frames and END (docs/wire.md §5.8), or, relayed,
/// the return bytes passed on verbatim. Any other call (a trace, a body, a
/// refusal, a new connection to make, a malformed header) goes to a worker
/// running the blocking code with the header and the bytes read after it
/// (`ForwardingPlane.serve`), which gives the connection back afterwards.
extension ForwardingReactor {
    /// A neighbour's connection arrives on this loop.
    func adoptNeighbor(_ fd: Int32, link: LinkID, first: Bool, pipes: ForwardingPlane.Pipes?) {
        let connection = NeighborConnection(id: makeID(), fd: fd, pipes: pipes ?? ForwardingPlane.Pipes(inbound: link))
        connection.first = first
        connection.deadline = now
            + (first ? plane.settings.headerTimeoutMs : plane.settings.idleTimeoutMs) * 1_000_000
        neighbors[connection.id] = connection
        guard register(fd, connection.id << 2 | Tag.neighbor, UInt32(EPOLLIN.rawValue)) else { return dropNeighbor(connection) }
    }

    func neighborEvent(_ connection: NeighborConnection, _ mask: UInt32) {
        if connection.multiplexed { return muxServerEvent(connection, mask) }
        if connection.hasOutput, mask & (UInt32(EPOLLOUT.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 {
            guard flushNeighbor(connection) else { return }
        }
        if connection.busy {
            // The previous hop gave up on the call (or the link broke), or
            // sent the next call early: that waits for this one to end.
            var gone = mask & (UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0
            if !gone, mask & UInt32(EPOLLIN.rawValue) != 0 {
                var byte: UInt8 = 0
                let peeked = recv(connection.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
                gone = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EINTR)
                if !gone && peeked > 0 {
                    connection.quiet = true
                    updateNeighborInterest(connection)
                }
            }
            if gone {
                record { $0.add(connection.relay != nil ? .relayErrors : .egressErrors) }
                dropNeighbor(connection)
            }
            return
        }
        guard !connection.hasOutput else { return }
        if mask & (UInt32(EPOLLIN.rawValue) | UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 { nextCall(connection) }
    }

    /// Reads the next call on the connection and runs it here or on a worker.
    func nextCall(_ connection: NeighborConnection) {
        let limit = ForwardingPlane.maxHeaderFrame + plane.settings.maxHeadBytes + 8
        if connection.input.count < limit {
            switch receive(connection.fd, max: limit - connection.input.count) {
            case .none:
                if connection.input.isEmpty { return }
            case 0?:
                if connection.first && connection.input.isEmpty { record { $0.add(.hopHeaderClosed) } }
                return dropNeighbor(connection)
            case let count?:
                connection.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count]))
            }
        }
        switch takeCall(connection) {
        case .waiting:
            return
        case let .notHere(header, after, closeAfter):
            // A neighbour that sent its next call before this one ended
            // (it never should) loses the connection after this call.
            return escalateNeighbor(connection) { plane, fd, pipes in
                plane.serve(fd, header, prefix: after, pipes: pipes) && !closeAfter
            }
        case let .malformed(error):
            return escalateNeighbor(connection) { plane, fd, _ in
                plane.refuseMalformed(fd, error)
                return false
            }
        case .failed:
            return dropNeighbor(connection)
        case .multiplex:
            return startMultiplexed(connection)
        case let .started(call):
            connection.call = call
        case .relayed:
            break
        }
        connection.first = false
        connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
        updateNeighborInterest(connection)
    }

    enum TakenCall {
        /// The forwarding header is not all here yet.
        case waiting
        /// For a worker: the header, the call's bytes read after it, and
        /// whether bytes of a further call were read too.
        case notHere(ForwardHeader, [UInt8], closeAfter: Bool)
        /// Not a forwarding header: a worker refuses it.
        case malformed(any Error)
        case started(EgressCall)
        /// Taken and sent on to the next hop.
        case relayed
        /// Taken, but the instance connection failed: the call is lost and
        /// the neighbour's connection closes (as the blocking path does).
        case failed
        /// The neighbour asks for a multiplexed connection (docs/wire.md §5.9).
        case multiplex
    }

    /// The call at the front of the connection's input, started here if
    /// this loop can carry it alone: a forwarding header, the request head
    /// in DATA, END, all read, for a local instance with an idle
    /// connection or a neighbour with one.
    private func takeCall(_ connection: NeighborConnection) -> TakenCall {
        let input = connection.input
        let headerLength: Int
        let header: ForwardHeader
        do {
            guard let (decoded, length) = try Self.forwardHeader(at: input) else { return .waiting }
            headerLength = length
            header = decoded
        } catch {
            connection.input = []
            return .malformed(error)
        }
        connection.input.removeAll(keepingCapacity: true)
        if header.applicationProtocol == .multiplex && plane.settings.multiplexHops && connection.first {
            connection.input = Array(input[headerLength...])
            return .multiplex
        }
        guard header.applicationProtocol == .http1 else { return .notHere(header, Array(input[headerLength...]), closeAfter: false) }
        return input.withUnsafeBufferPointer { bytes in
            takeCall(connection, header, UnsafeBufferPointer(rebasing: bytes[headerLength...]))
        }
    }

    /// `bytes`: what was read after the header.
    private func takeCall(_ connection: NeighborConnection, _ header: ForwardHeader, _ bytes: UnsafeBufferPointer<UInt8>) -> TakenCall {
        let headLength = Self.frameLength(bytes, at: 0)
        let total = 4 + headLength + 4
        guard headLength > 0, bytes.count >= total, Self.frameLength(bytes, at: 4 + headLength) == 0 else {
            return .notHere(header, Array(bytes), closeAfter: false)
        }
        // Anything past END is the neighbour's next call, sent early: it
        // waits for this one to end.
        let early = bytes.count > total
        func notHere() -> TakenCall { .notHere(header, Array(bytes[0..<total]), closeAfter: early) }
        let box = plane.tables
        let prefix: ServiceName
        switch box.table.decide(name: header.name, target: header.targetGateway, hopLimit: header.hopLimit,
                            flowID: header.flowID, policy: header.policyID, now: now) {
        case let .local(matched):
            prefix = matched
        case let .forward(link, next, _, target, policy):
            guard takeRelay(connection, header, Array(bytes[0..<total]), link: link, next: next, target: target, policy: policy) else {
                return notHere()
            }
            if early { connection.input = Array(bytes[total...]) }
            return .relayed
        case .refuse:
            return notHere()
        }
        // A relay needs no more than the frames (END right after the head:
        // no body); the egress reads the request itself.
        let headBytes = Array(bytes[4..<(4 + headLength)])
        guard let request = try? plane.parser.parse(headBytes, kind: .request), request.byteCount == headLength,
              request.framing == .none else { return notHere() }
        let preferred = box.table.targetInstance(policy: header.policyID, now: now)
        guard let endpoint = plane.pool.withLock({
            $0.choose(for: prefix, preferring: preferred, random: (FlowID.next(), FlowID.next()))
        }) else {
            return notHere()
        }
        guard let lease = takeInstance(endpoint) else {
            plane.finishInstance(-1, endpoint, prefix, failed: nil)   // (only releases the choice)
            return notHere()
        }
        if early { connection.input = Array(bytes[total...]) }
        let outgoing = HopLimitField.apply(to: headBytes[...], remaining: header.hopLimit)
        let call = EgressCall(lease: lease, prefix: prefix, request: request, pendingReply: plane.connectedReply)
        lease.owner = connection
        record {
            $0.add(.hopCalls)
            $0.add(.instanceReuses)
            $0.add(.egressRequestBytes, outgoing.count)
            $0.flowStarted("local")
        }
        guard (try? ForwardingIO.write(lease.fd, outgoing, timeoutMs: plane.settings.idleTimeoutMs)) != nil else {
            // A kept connection the instance had closed: passive evidence.
            call.failure = "send: connection closed"
            failCall(connection, call)
            return .failed
        }
        return .started(call)
    }

    /// The ForwardHeader at the front of `bytes` and its length; nil while
    /// it is not all there. Junk shows at its first byte and is not waited
    /// for (docs/wire.md §5.8); a header over `maxHeaderFrame` is refused.
    static func forwardHeader(at bytes: some Collection<UInt8>) throws -> (ForwardHeader, Int)? {
        if let first = bytes.first, UInt64(first) != MessageType.forwardHeader.rawValue,
           UInt64(first) != MessageType.forwardReply.rawValue {
            throw WireError.invalidValue(what: "message", reason: "type \(first) where a forwarding message belongs")
        }
        guard let length = try DAMCMessage.frameLength(of: Array(bytes.prefix(16))) else {
            if bytes.count >= 16 { throw WireError.invalidValue(what: "message", reason: "no length in its first 16 bytes") }
            return nil
        }
        guard length <= ForwardingPlane.maxHeaderFrame else {
            throw WireError.messageTooLarge(size: length, limit: ForwardingPlane.maxHeaderFrame)
        }
        guard bytes.count >= length else { return nil }
        let message = try DAMCMessage.decode(Array(bytes.prefix(length)))
        guard case let .forwardHeader(header) = message else {
            throw WireError.invalidValue(what: "message", reason: "\(message.messageType) where a ForwardHeader belongs")
        }
        return (header, length)
    }

    /// The 4-byte big-endian length at `offset`, or -1 when not all there.
    static func frameLength(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
        guard bytes.count >= offset + 4 else { return -1 }
        return Int(HopFrames.length(bytes[offset..<offset + 4]))
    }

    /// Runs the call on a worker with the blocking code (`work`: whether
    /// the connection may carry another call); the connection comes back
    /// to a loop afterwards.
    func escalateNeighbor(_ connection: NeighborConnection,
                          _ work: @escaping @Sendable (ForwardingPlane, Int32, ForwardingPlane.Pipes) -> Bool) {
        unregister(connection.fd)
        neighbors[connection.id] = nil
        let fd = connection.fd, pipes = connection.pipes
        let plane = self.plane
        let reactor = self
        let spawned = plane.workers.run {
            if work(plane, fd, pipes) && !plane.isStopping {
                reactor.adopt(.neighbor(fd: fd, link: pipes.inbound, first: false, pipes: pipes))
            } else {
                close(fd)
                plane.release()
            }
        }
        if !spawned {
            close(fd)
            plane.release()
        }
    }

    // MARK: The instance's response

    func instanceEvent(_ connection: NeighborConnection, _ mask: UInt32) {
        guard let call = connection.call else { return }
        if call.paused { return quieten(call.lease.fd, mask) }
        while !connection.hasOutput {
            switch receive(call.lease.fd, into: &call.buffer, max: 65_536) {
            case .bytes:
                connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
                guard respond(connection, call), connection.call === call else { return }
            case .wouldBlock:
                return
            case .closed:
                call.failure = call.response == nil ? "no response: closed" : nil
                return failCall(connection, call)
            }
        }
        // The neighbour is slow: stop reading the instance until it catches up.
        call.paused = true
        modify(call.lease.fd, call.lease.id << 2 | Tag.instance, 0)
    }

    /// Frames what the instance sent; false when the call or the connection ended.
    private func respond(_ connection: NeighborConnection, _ call: EgressCall) -> Bool {
        while call.response == nil {
            let parsed: HTTPHead?
            do throws(HTTPError) {
                parsed = try plane.parser.parse(call.buffer, kind: .response(requestMethod: call.request.method))
            } catch {
                flushStaged(connection)
                failCall(connection, call)
                return false
            }
            guard let head = parsed else { return flushStaged(connection) }
            if (100..<200).contains(head.status) && head.status != 101 {
                stageFrame(connection, call, call.buffer[0..<head.byteCount])
                call.buffer.removeFirst(head.byteCount)
                continue
            }
            call.response = head
            switch head.framing {
            case .none:
                stageFrame(connection, call, call.buffer[0..<head.byteCount])
                stageFrame(connection, call, [])
                call.buffer.removeFirst(head.byteCount)
                flushStaged(connection)
                endCall(connection, call, moved: 0, errored: false)
                return false
            case let .length(total):
                stageFrame(connection, call, call.buffer[0..<head.byteCount])
                call.buffer.removeFirst(head.byteCount)
                call.remaining = total
            default:
                // Chunked, until close, or an upgrade: a worker moves the rest.
                stageFrame(connection, call, call.buffer[0..<head.byteCount])
                call.buffer.removeFirst(head.byteCount)
                flushStaged(connection)
                escalateBody(connection, call, head)
                return false
            }
        }
        // The body of a known length, as it comes.
        let take = Int(min(UInt64(call.buffer.count), call.remaining))
        if take > 0 {
            stageFrame(connection, call, call.buffer[0..<take])
            call.buffer.removeFirst(take)
            call.moved += UInt64(take)
            call.remaining -= UInt64(take)
        }
        if call.moved - call.counted >= EgressCall.loadStep {
            // Link load as the body moves, not in one lump at its end.
            let step = call.moved - call.counted
            call.counted = call.moved
            record { $0.sent(step, on: connection.pipes.inbound) }
        }
        if call.remaining == 0 {
            stageFrame(connection, call, [])
            flushStaged(connection)
            endCall(connection, call, moved: call.moved, errored: false)
            return false
        }
        return flushStaged(connection)
    }

    /// Adds a DATA frame (END when empty) to what goes to the neighbour
    /// next, the pending `connected` reply in front of the first.
    private func stageFrame(_ connection: NeighborConnection, _ call: EgressCall, _ payload: some Collection<UInt8>) {
        if let reply = call.pendingReply {
            call.pendingReply = nil
            connection.output.stage(reply)
        }
        withUnsafeBytes(of: UInt32(payload.count).bigEndian) { connection.output.stage($0) }
        connection.output.stage(payload)
    }

    /// Sends what was staged in one send; false when the connection is gone.
    @discardableResult
    private func flushStaged(_ connection: NeighborConnection) -> Bool {
        guard neighbors[connection.id] != nil else { return false }
        if connection.output.hasStaged { settleNeighbor(connection, connection.output.sendStaged(to: connection.fd)) }
        return neighbors[connection.id] != nil
    }

    /// The call failed on the instance. Before any of the response went
    /// out, the neighbour gets a failed reply naming the instance (its
    /// ingress answers the client with it); after, the connection closes.
    /// Either way the connection carries no further call.
    func failCall(_ connection: NeighborConnection, _ call: EgressCall) {
        record { $0.add(.egressErrors) }
        let unanswered = call.pendingReply != nil
        let text = "\(plane.node): instance \(call.endpoint) of \(call.prefix): \(call.failure ?? "bad response")"
        endCall(connection, call, moved: call.moved, errored: true)
        guard unanswered, neighbors[connection.id] != nil else { return dropNeighbor(connection) }
        connection.closeAfterFlush = true
        sendNeighbor(connection, ForwardReply(status: .failed, node: plane.node, reason: .nextHopDown, reasonText: text).encode())
        if neighbors[connection.id] != nil && !connection.hasOutput { dropNeighbor(connection) }
    }

    /// A response body framed otherwise than by a length: a worker moves it
    /// with the blocking code, then gives the connection back.
    private func escalateBody(_ connection: NeighborConnection, _ call: EgressCall, _ head: HTTPHead) {
        guard let instance = releaseInstance(call.lease) else { return }
        unregister(connection.fd)
        neighbors[connection.id] = nil
        connection.call = nil
        let pending = Array(connection.output.remaining)
        var buffer = call.buffer
        let fd = connection.fd, pipes = connection.pipes
        let plane = self.plane
        let reactor = self
        let spawned = plane.workers.run {
            var failure: String?
            var moved: UInt64 = 0
            var fine = false
            do {
                try ForwardingIO.write(fd, pending, timeoutMs: plane.settings.idleTimeoutMs)
                moved = try plane.moveBody(head.status == 101 ? .untilClose : head.framing, from: instance, to: fd,
                                           buffer: &buffer, framed: true, pipe: pipes.get().1)
                try HopFrames.writeEnd(fd, timeoutMs: plane.settings.idleTimeoutMs)
                fine = true
            } catch {
                if case let .io(io)? = error as? ForwardingPlane.BodyError, io.isRefusedOrReset { failure = "response: \(io)" }
                plane.counters.withLock { $0.add(.egressErrors) }
            }
            let keep = fine && call.request.keepAlive && head.keepAlive && head.framing != .untilClose && head.status != 101
                && buffer.isEmpty
            plane.counters.withLock {
                $0.add(.egressResponseBytes, Int(moved))
                if fine { $0.add(.egressResponses) }
                $0.sent(moved, on: pipes.inbound)
                $0.flowEnded("local")
            }
            plane.finishInstance(instance, call.endpoint, call.prefix, failed: failure, keep: keep)
            if fine && !plane.isStopping {
                reactor.adopt(.neighbor(fd: fd, link: pipes.inbound, first: false, pipes: pipes))
            } else {
                close(fd)
                plane.release()
            }
        }
        if !spawned {
            record { $0.flowEnded("local") }
            plane.finishInstance(instance, call.endpoint, call.prefix, failed: nil, keep: false)
            close(fd)
            plane.release()
        }
    }

    /// The call is over: the instance connection is kept or closed (and
    /// the instance ejected on passive evidence), the counters move.
    func endCall(_ connection: NeighborConnection, _ call: EgressCall, moved: UInt64, errored: Bool) {
        let keep = !errored && call.request.keepAlive && (call.response?.keepAlive ?? false)
            && call.response?.framing != .untilClose && call.buffer.isEmpty
        record {
            if !errored {
                $0.add(.egressResponseBytes, Int(moved))
                $0.add(.egressResponses)
            }
            $0.sent(moved - min(moved, call.counted), on: connection.pipes.inbound)
            $0.flowEnded("local")
        }
        if keep { parkInstance(call.lease) } else { discardInstance(call.lease) }
        plane.finishInstance(-1, call.endpoint, call.prefix, failed: call.failure)
        connection.call = nil
        connection.quiet = false
        connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
        if neighbors[connection.id] != nil { updateNeighborInterest(connection) }
        resumeInput(connection)
    }

    /// Takes a call already read (sent before the last one ended) once
    /// the connection is free: no new bytes may come to wake the loop.
    func resumeInput(_ connection: NeighborConnection) {
        guard neighbors[connection.id] != nil, !connection.busy, !connection.hasOutput, !connection.closeAfterFlush,
              !connection.multiplexed, !connection.input.isEmpty else { return }
        nextCall(connection)
    }

    // MARK: Relays (routers)

    /// A call's opening for the next hop: its header with one hop less and
    /// the policy that steers it (with that policy's target gateway), then
    /// `rest` (the call's frames) unchanged.
    static func onward(_ header: ForwardHeader, _ rest: some Collection<UInt8>, target: NodeID?, policy: UInt64?) -> [UInt8] {
        var onward = header
        onward.hopLimit -= 1
        onward.policyID = policy
        if policy != nil { onward.targetGateway = target }
        var opening = onward.encode()
        opening.append(contentsOf: rest)
        return opening
    }

    /// Sends a bodiless call on to the next hop over an idle connection of
    /// this loop (one hop less; a policy that steers it goes on with it);
    /// false if there is none or it turned out dead (a worker carries it).
    private func takeRelay(_ connection: NeighborConnection, _ header: ForwardHeader, _ rest: [UInt8],
                           link: LinkID, next: NodeID, target: NodeID?, policy: UInt64?) -> Bool {
        guard let lease = takeHop(link) else { return false }
        let opening = Self.onward(header, rest, target: target, policy: policy)
        // If the idle connection turns out dead, a worker carries the call.
        guard (try? ForwardingIO.write(lease.fd, opening, timeoutMs: plane.settings.connectTimeoutMs)) != nil else {
            discard(lease)
            return false
        }
        record {
            $0.add(.hopCalls)
            $0.add(.relayed)
            if policy != nil { $0.add(.policyForwarded) }
            $0.flowStarted(next.rawValue)
            $0.sent(UInt64(rest.count - 8), on: link)
        }
        lease.owner = connection
        connection.relay = RelayCall(lease: lease, next: next, replyLimit: ForwardingPlane.maxHeaderFrame)
        return true
    }

    /// Bytes coming back along a relayed call: passed on verbatim until END.
    func relayEvent(_ connection: NeighborConnection, _ mask: UInt32) {
        guard let relay = connection.relay else { return }
        if relay.paused { return quieten(relay.lease.fd, mask) }
        while !connection.hasOutput {
            guard let count = receive(relay.lease.fd, max: 65_536) else { return }
            guard count > 0 else {
                record { $0.add(.relayErrors) }
                return dropNeighbor(connection)
            }
            connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
            let chunk = UnsafeBufferPointer(start: scratch.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
            let used: Int
            do {
                used = try relay.scanner.scan(chunk)
            } catch {
                record { $0.add(.relayErrors) }
                return dropNeighbor(connection)
            }
            relay.responseBytes += UInt64(used)
            sendNeighbor(connection, UnsafeBufferPointer(rebasing: chunk[0..<used]))
            guard neighbors[connection.id] != nil else { return }
            if relay.scanner.phase == .done {
                let clean = !relay.scanner.failed && used == count
                finishRelay(connection, relay, reusable: clean)
                if !clean {
                    // A failed call ends both connections, as on the blocking path.
                    connection.closeAfterFlush = true
                    if !connection.hasOutput { dropNeighbor(connection) }
                } else {
                    connection.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
                    updateNeighborInterest(connection)
                    resumeInput(connection)
                }
                return
            }
        }
        relay.paused = true
        modify(relay.lease.fd, relay.lease.id << 2 | Tag.lease, 0)
    }

    /// The relayed call is over: the next hop's connection goes back to
    /// this loop's idle ones or is closed; its bytes count as link load.
    func finishRelay(_ connection: NeighborConnection, _ relay: RelayCall, reusable: Bool) {
        connection.relay = nil
        connection.quiet = false
        if reusable { park(relay.lease) } else { discard(relay.lease) }
        record {
            $0.flowEnded(relay.next.rawValue)
            $0.sent(relay.responseBytes, on: connection.pipes.inbound)
        }
    }

    // MARK: Output to the neighbour

    func updateNeighborInterest(_ connection: NeighborConnection) {
        var events: UInt32 = 0
        if connection.hasOutput { events |= UInt32(EPOLLOUT.rawValue) }
        // Reading stays on during a call (no epoll_ctl per call): an end of
        // stream shows at once; early bytes make it pause (`quiet`).
        if (!connection.hasOutput || connection.multiplexed) && !connection.closeAfterFlush && !connection.quiet {
            events |= UInt32(EPOLLIN.rawValue)
        }
        guard events != connection.interest else { return }
        connection.interest = events
        modify(connection.fd, connection.id << 2 | Tag.neighbor, events)
    }

    func sendNeighbor(_ connection: NeighborConnection, _ bytes: some Collection<UInt8>) {
        guard neighbors[connection.id] != nil else { return }
        settleNeighbor(connection, connection.output.send(bytes, to: connection.fd))
    }

    /// What follows a send to the neighbour: wait for the socket, or end a
    /// broken connection (and its call).
    func settleNeighbor(_ connection: NeighborConnection, _ outcome: PendingOutput.Outcome) {
        switch outcome {
        case .done: break
        case .pending: updateNeighborInterest(connection)
        case .broken: brokenNeighbor(connection)
        }
    }

    /// The neighbour's connection broke: its call (if any) fails with it.
    private func brokenNeighbor(_ connection: NeighborConnection) {
        if let call = connection.call {
            record { $0.add(.egressErrors) }
            endCall(connection, call, moved: call.moved, errored: true)
        }
        dropNeighbor(connection)
    }

    /// Writes pending output; false when the connection was dropped.
    func flushNeighbor(_ connection: NeighborConnection) -> Bool {
        switch connection.output.flush(to: connection.fd) {
        case .pending: return true
        case .broken:
            brokenNeighbor(connection)
            return false
        case .done: break
        }
        if connection.closeAfterFlush && !connection.busy {
            dropNeighbor(connection)
            return false
        }
        updateNeighborInterest(connection)
        resumeInput(connection)
        if let relay = connection.relay, relay.paused {
            relay.paused = false
            watch(relay.lease.fd, relay.lease.id << 2 | Tag.lease, UInt32(EPOLLIN.rawValue))
            relayEvent(connection, UInt32(EPOLLIN.rawValue))
        }
        if let call = connection.call, call.paused {
            call.paused = false
            watch(call.lease.fd, call.lease.id << 2 | Tag.instance, UInt32(EPOLLIN.rawValue))
            if respond(connection, call), connection.call === call { instanceEvent(connection, UInt32(EPOLLIN.rawValue)) }
        }
        return neighbors[connection.id] != nil
    }

    // MARK: Timeouts and teardown

    func sweepEgress(_ now: Int64) {
        let stopping = plane.isStopping
        for connection in Array(neighbors.values) where connection.multiplexed && !connection.muxCalls.isEmpty {
            sweepMultiplexed(connection, now: now)
        }
        for connection in Array(neighbors.values) where connection.deadline <= now || (stopping && !connection.busy) {
            if let call = connection.call {
                record { $0.add(.egressErrors) }
                endCall(connection, call, moved: call.moved, errored: true)
            } else if connection.relay != nil {
                record { $0.add(.idleTimeouts) }
            } else if connection.first {
                record { $0.add(.hopHeaderTimeouts) }
            }
            dropNeighbor(connection)
        }
    }

    func dropNeighbor(_ connection: NeighborConnection) {
        if connection.multiplexed { endMultiplexed(connection) }
        if let call = connection.call { endCall(connection, call, moved: call.moved, errored: true) }
        if let relay = connection.relay { finishRelay(connection, relay, reusable: false) }
        guard neighbors.removeValue(forKey: connection.id) != nil else { return }
        unregister(connection.fd)
        close(connection.fd)
        plane.release()
    }
}
