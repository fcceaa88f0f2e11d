import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A neighbour's multiplexed connection on a forwarding loop (docs/wire.md
/// §5.9): every frame is a whole bodiless call; a gateway calls a local
/// instance over an idle keep-alive connection of the loop, a router sends
/// the call on as a stream of its own multiplexed connection onward, and
/// each answer goes back whole on the call's stream, the answers of one
/// wake-up in one send. A call the loop cannot carry without waiting is
/// answered `dedicated` before anything is done (the ingress sends it the
/// serial way); a response that cannot come back whole is parked for a
/// resume call (`ForwardingPlane+Park`).
extension ForwardingReactor {
    /// The largest response (interim heads, head and body) that goes back
    /// whole on a stream; larger ones are parked.
    static let muxAnswerLimit = 65_536

    /// The neighbour asked for a multiplexed connection (its first header
    /// had protocol `multiplex`): agree with `connected`.
    func startMultiplexed(_ connection: NeighborConnection) {
        connection.multiplexed = true
        connection.first = false
        connection.deadline = .max   // the opener closes it; a broken one shows as an error
        record { $0.add(.muxLinksAccepted) }
        sendNeighbor(connection, plane.connectedReply)
        if neighbors[connection.id] != nil { updateNeighborInterest(connection) }
        if neighbors[connection.id] != nil, !connection.input.isEmpty { takeMuxCalls(connection) }
    }

    func muxServerEvent(_ connection: NeighborConnection, _ mask: UInt32) {
        if connection.hasOutput, mask & (UInt32(EPOLLOUT.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 {
            guard flushNeighbor(connection) else { return }
        }
        guard mask & (UInt32(EPOLLIN.rawValue) | UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 else { return }
        switch receive(connection.fd, into: &connection.input, max: MuxFrame.maxBody + MuxFrame.headerSize) {
        case .bytes: takeMuxCalls(connection)
        case .wouldBlock: break
        case .closed: dropNeighbor(connection)
        }
    }

    /// Takes every whole call in the input.
    private func takeMuxCalls(_ connection: NeighborConnection) {
        var offset = 0
        while neighbors[connection.id] != nil {
            let next = Self.nextFrame(connection.input, at: offset)
            guard case let .frame(stream, body) = next else {
                if case let .malformed(error) = next { return malformedMux(connection, "\(error)") }
                break
            }
            offset = body.upperBound
            guard connection.muxCalls[stream] == nil, connection.muxRelays[stream] == nil else {
                return malformedMux(connection, "a call on stream \(stream), which is still open")
            }
            let answer = connection.input.withUnsafeBufferPointer { bytes in
                muxCall(connection, stream, UnsafeBufferPointer(rebasing: bytes[body]))
            }
            if let answer { stageAnswer(connection, stream, answer) }
        }
        if neighbors[connection.id] != nil { connection.input.removeFirst(offset) }
    }

    private func malformedMux(_ connection: NeighborConnection, _ why: String) {
        record { $0.add(.muxMalformed) }
        plane.logger.debug("malformed multiplexed connection", metadata: ["error": "\(why)"])
        dropNeighbor(connection)
    }

    /// One call (`bytes`: header, DATA, END): its answer now, or nil when
    /// it is under way (the answer comes later on its stream).
    private func muxCall(_ connection: NeighborConnection, _ stream: UInt32, _ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        func failed(_ reason: ReasonCode, _ text: String) -> [UInt8] {
            record { $0.add("refused_\(reason.description.replacing("-", with: "_"))") }
            return ForwardReply(status: .failed, node: plane.node, reason: reason, reasonText: text).encode()
        }
        func dedicated() -> [UInt8] {
            record { $0.add(.muxDedicated) }
            return ForwardReply(status: .dedicated, node: plane.node).encode()
        }
        let header: ForwardHeader
        let headerLength: Int
        do {
            // A frame holds the whole call: a header not all there is malformed.
            guard let (decoded, length) = try Self.forwardHeader(at: bytes) else {
                throw WireError.invalidValue(what: "message", reason: "a multiplexed call starts with a whole ForwardHeader")
            }
            header = decoded
            headerLength = length
        } catch {
            record { $0.add(.hopMalformedHeaders) }
            return failed(.malformed, "\(plane.node): malformed call on a multiplexed connection: \(error)")
        }
        let rest = UnsafeBufferPointer(rebasing: bytes[headerLength...])
        let headLength = Self.frameLength(rest, at: 0)
        guard header.applicationProtocol == .http1, headLength > 0, rest.count == 4 + headLength + 4,
              Self.frameLength(rest, at: 4 + headLength) == 0 else {
            record { $0.add(.hopMalformedHeaders) }
            return failed(.malformed, "\(plane.node): a multiplexed call is an HTTP/1.1 ForwardHeader, one DATA frame and END")
        }
        record { $0.add(.hopCalls) }
        let box = plane.tables
        let prefix: ServiceName
        switch box.table.decide(name: header.name, target: header.targetGateway, hopLimit: header.hopLimit,
                                flowID: header.flowID, policy: header.policyID, now: now) {
        case let .refuse(reason, text):
            return failed(reason, text)
        case let .forward(link, next, _, target, policy):
            guard let mux = muxLink(link) else { return dedicated() }
            let ours = sendOnMux(mux, Self.onward(header, rest, target: target, policy: policy), owner: .relay(connection, stream, next))
            connection.muxRelays[stream] = (mux, ours)
            record {
                $0.add(.relayed)
                if policy != nil { $0.add(.policyForwarded) }
                $0.flowStarted(next.rawValue)
                $0.sent(UInt64(headLength), on: link)
            }
            return nil
        case let .local(matched):
            prefix = matched
        }
        let headBytes = Array(rest[4..<(4 + headLength)])
        guard let request = try? plane.parser.parse(headBytes, kind: .request), request.byteCount == headLength,
              request.framing == .none else {
            record { $0.add(.hopMalformedHeaders) }
            return failed(.malformed, "\(plane.node): the request head of a multiplexed call is not one bodiless HTTP/1.1 head")
        }
        // Anything that needs a wait or a decision elsewhere (no idle
        // connection to an instance, none healthy here) goes the serial way.
        let preferred = box.table.targetInstance(policy: header.policyID, now: now)
        guard let endpoint = plane.pool.withLock({
            $0.choose(for: prefix, preferring: preferred, random: (FlowID.next(), FlowID.next()))
        }) else { return dedicated() }
        guard let lease = takeInstance(endpoint) else {
            plane.finishInstance(-1, endpoint, prefix, failed: nil)   // (only releases the choice)
            return dedicated()
        }
        let outgoing = HopLimitField.apply(to: headBytes[...], remaining: header.hopLimit)
        guard (try? ForwardingIO.write(lease.fd, outgoing, timeoutMs: plane.settings.idleTimeoutMs)) != nil else {
            // A kept connection the instance had closed: nothing reached it.
            discardInstance(lease)
            plane.finishInstance(-1, endpoint, prefix, failed: nil)
            return dedicated()
        }
        let call = EgressCall(lease: lease, prefix: prefix, request: request, pendingReply: plane.connectedReply)
        call.stream = stream
        call.muxConnection = connection
        call.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
        lease.owner = call
        connection.muxCalls[stream] = call
        record {
            $0.add(.instanceReuses)
            $0.add(.egressRequestBytes, outgoing.count)
            $0.flowStarted("local")
        }
        return nil
    }

    /// Stages a stream's answer; it leaves with the wake-up's others.
    func stageAnswer(_ connection: NeighborConnection, _ stream: UInt32, _ answer: some Collection<UInt8>) {
        guard neighbors[connection.id] != nil else { return }
        var header: [UInt8] = []
        MuxFrame.appendHeader(stream: stream, length: answer.count, to: &header)
        connection.output.stage(header)
        connection.output.stage(answer)
        if !connection.queued {
            connection.queued = true
            muxAnswersToFlush.append(connection)
        }
    }

    // MARK: The instance's response

    func muxInstanceEvent(_ call: EgressCall, _ mask: UInt32) {
        guard let connection = call.muxConnection, neighbors[connection.id] != nil,
              connection.muxCalls[call.stream] === call else {
            return discardInstance(call.lease)
        }
        switch receive(call.lease.fd, into: &call.buffer, max: 65_536) {
        case .bytes:
            call.deadline = now + plane.settings.idleTimeoutMs * 1_000_000
            muxRespond(connection, call)
        case .wouldBlock:
            break
        case .closed:
            call.failure = "no response: closed"
            failMuxCall(connection, call)
        }
    }

    /// Answers the stream once the whole response is here, or parks it.
    private func muxRespond(_ connection: NeighborConnection, _ call: EgressCall) {
        while call.response == nil {
            let parsed: HTTPHead?
            do throws(HTTPError) {
                parsed = try plane.parser.parse(call.buffer[call.interim...], kind: .response(requestMethod: call.request.method))
            } catch {
                call.failure = nil
                return failMuxCall(connection, call, "bad response: \(error)")
            }
            guard let head = parsed else { return }
            if (100..<200).contains(head.status) && head.status != 101 {
                call.interim += head.byteCount
                continue
            }
            call.response = head
            switch head.framing {
            case .none:
                call.answerLength = call.interim + head.byteCount
            case let .length(length) where UInt64(call.interim + head.byteCount) + length <= UInt64(Self.muxAnswerLimit):
                call.answerLength = call.interim + head.byteCount + Int(length)
            default:
                return parkResponse(connection, call, head)
            }
        }
        let total = call.answerLength
        guard call.buffer.count >= total else { return }
        var answer = call.pendingReply ?? plane.connectedReply
        answer.reserveCapacity(answer.count + total + 8)
        answer.append(contentsOf: HopFrames.header(UInt32(total)))
        answer.append(contentsOf: call.buffer[0..<total])
        answer.append(contentsOf: HopFrames.header(0))
        let keep = call.request.keepAlive && (call.response?.keepAlive ?? false) && call.buffer.count == total
        let body = total - call.interim - (call.response?.byteCount ?? 0)
        connection.muxCalls[call.stream] = nil
        record {
            $0.add(.egressResponseBytes, body)
            $0.add(.egressResponses)
            $0.add(.muxAnswers)
            $0.sent(UInt64(body), on: connection.pipes.inbound)
            $0.flowEnded("local")
        }
        if keep { parkInstance(call.lease) } else { discardInstance(call.lease) }
        plane.finishInstance(-1, call.endpoint, call.prefix, failed: nil)
        stageAnswer(connection, call.stream, answer)
    }

    /// The call failed at the instance: the stream gets a failed answer
    /// naming it (passive evidence against it if it refused or closed).
    func failMuxCall(_ connection: NeighborConnection, _ call: EgressCall, _ text: String? = nil, reason: ReasonCode = .nextHopDown) {
        connection.muxCalls[call.stream] = nil
        record {
            $0.add(.egressErrors)
            $0.flowEnded("local")
        }
        discardInstance(call.lease)
        plane.finishInstance(-1, call.endpoint, call.prefix, failed: call.failure)
        let why = "\(plane.node): instance \(call.endpoint) of \(call.prefix): \(text ?? call.failure ?? "bad response")"
        stageAnswer(connection, call.stream, ForwardReply(status: .failed, node: plane.node, reason: reason, reasonText: why).encode())
    }

    /// A response that cannot come back whole: it waits, with its instance
    /// connection, for a resume call (`ForwardingPlane.park`).
    private func parkResponse(_ connection: NeighborConnection, _ call: EgressCall, _ head: HTTPHead) {
        connection.muxCalls[call.stream] = nil
        record { $0.flowEnded("local") }
        guard let fd = releaseInstance(call.lease) else { return failMuxCall(connection, call, "lost its connection") }
        let token = plane.park(ForwardingPlane.ParkedResponse(
            instance: fd, endpoint: call.endpoint, prefix: call.prefix, requestKeepAlive: call.request.keepAlive, response: head,
            headBytes: Array(call.buffer[0..<(call.interim + head.byteCount)]),
            bodyRead: Array(call.buffer[(call.interim + head.byteCount)...]),
            expires: now + plane.settings.parkTimeoutMs * 1_000_000))
        record { $0.add(.muxParked) }
        stageAnswer(connection, call.stream, ForwardReply(status: .parked, node: plane.node, resumeToken: token).encode())
    }

    /// Calls whose instance went quiet for `idle_timeout_ms` fail (their
    /// streams get a failed answer; the instance connection closes).
    func sweepMultiplexed(_ connection: NeighborConnection, now: Int64) {
        for call in Array(connection.muxCalls.values) where call.deadline <= now {
            failMuxCall(connection, call, "no response within \(plane.settings.idleTimeoutMs) ms", reason: .timeout)
        }
    }

    /// The neighbour's multiplexed connection is going: its calls end.
    func endMultiplexed(_ connection: NeighborConnection) {
        for (_, call) in connection.muxCalls {
            record {
                $0.add(.egressErrors)
                $0.flowEnded("local")
            }
            discardInstance(call.lease)
            plane.finishInstance(-1, call.endpoint, call.prefix, failed: nil)
        }
        connection.muxCalls = [:]
        for (_, onward) in connection.muxRelays {
            guard case let .relay(_, _, next)? = onward.link.streams[onward.stream] else { continue }
            record { $0.flowEnded(next.rawValue) }
            onward.link.streams[onward.stream] = .abandoned
        }
        connection.muxRelays = [:]
    }
}
