import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// Calls arriving from a neighbour (docs/forwarding.md §hops): read the
/// forwarding header, decide, and either connect on to the next hop (then
/// move bytes both ways with splice) or, on the gateway that serves the
/// name, hand the call to an instance. A hop that cannot go on says so in
/// a `ForwardReply` that names it and the reason.
extension ForwardingPlane {
    /// The largest forwarding header accepted.
    static let maxHeaderFrame = 16 * 1024

    func serveHop(_ fd: Int32) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        let header: ForwardHeader
        do {
            header = try readHeader(fd, buffer: &buffer)
        } catch let error as ForwardingIOError {
            counters.withLock { $0.add(error == .timeout ? "hop_header_timeouts" : "hop_header_closed") }
            return
        } catch {
            counters.withLock { $0.add("hop_malformed_headers") }
            logger.debug("malformed forwarding header", metadata: ["error": "\(error)"])
            refuse(fd, .malformed, "malformed forwarding header: \(error)")
            return
        }
        counters.withLock { $0.add("hop_calls") }
        if header.applicationProtocol == .trace {
            serveTrace(fd, header)
            return
        }
        let table = currentTable
        switch table.decide(name: header.name, target: header.targetGateway, hopLimit: header.hopLimit, flowID: header.flowID) {
        case let .refuse(reason, text):
            refuse(fd, reason, text)
        case let .forward(link, next, _, _):
            relay(fd, header, link: link, next: next, readAhead: buffer)
        case let .local(matched):
            var tried: [Endpoint] = []
            if let (instance, endpoint) = connectInstance(matched, tried: &tried) {
                let reply = ForwardReply(status: .connected, node: node)
                do {
                    try ForwardingIO.write(fd, reply.encode(), timeoutMs: settings.idleTimeoutMs)
                } catch {
                    finishInstance(instance, endpoint, matched, failed: nil)
                    return
                }
                pass(fd, instance, readAhead: buffer, hop: "local")
                finishInstance(instance, endpoint, matched, failed: nil)
                return
            }
            // No local instance could take it: on to another gateway, if any
            // (once: a call already redirected here stops here).
            guard header.targetGateway == nil else {
                refuse(fd, .noHealthyInstance,
                       "no healthy instance of \(matched) at \(node), nor at the gateway that redirected the call here")
                return
            }
            switch table.decideElsewhere(name: header.name, matched: matched, hopLimit: header.hopLimit, flowID: header.flowID) {
            case let .forward(link, next, _, target):
                counters.withLock { $0.add("redirected_elsewhere") }
                var redirected = header
                redirected.targetGateway = target
                relay(fd, redirected, link: link, next: next, readAhead: buffer)
            case let .refuse(reason, text):
                refuse(fd, reason, text)
            case .local:
                refuse(fd, .noHealthyInstance, "no healthy instance of \(matched) at \(node)")
            }
        }
    }

    /// Reads one forwarding header; bytes after it stay in `buffer`.
    func readHeader(_ fd: Int32, buffer: inout [UInt8]) throws -> ForwardHeader {
        let deadline = Self.nowNanoseconds() + settings.headerTimeoutMs * 1_000_000
        while true {
            // The first byte is the message type: anything but a header is refused at once.
            if let first = buffer.first, UInt64(first) != MessageType.forwardHeader.rawValue {
                throw WireError.invalidValue(what: "message", reason: "type \(first) where a ForwardHeader (0xF8) belongs")
            }
            if let length = try DAMCMessage.frameLength(of: buffer), buffer.count >= length {
                guard length <= Self.maxHeaderFrame else { throw WireError.messageTooLarge(size: length, limit: Self.maxHeaderFrame) }
                let message = try DAMCMessage.decode(Array(buffer[0..<length]))
                buffer.removeFirst(length)
                guard case let .forwardHeader(header) = message else {
                    throw WireError.invalidValue(what: "message", reason: "\(message.messageType) where a ForwardHeader belongs")
                }
                return header
            }
            if let length = try DAMCMessage.frameLength(of: buffer), length > Self.maxHeaderFrame {
                throw WireError.messageTooLarge(size: length, limit: Self.maxHeaderFrame)
            }
            let left = (deadline - Self.nowNanoseconds()) / 1_000_000
            guard left > 0 else { throw ForwardingIOError.timeout }
            if try ForwardingIO.read(fd, into: &buffer, max: 16_384, timeoutMs: left) == 0 { throw ForwardingIOError.closed }
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

    /// Connects to the neighbour on `link`, sends the header on with one
    /// hop less, then moves bytes both ways until both sides close.
    func relay(_ fd: Int32, _ header: ForwardHeader, link: LinkID, next: NodeID, readAhead: [UInt8]) {
        guard let address = neighborAddress(link) else {
            refuse(fd, .nextHopDown, "\(node) has no address for link \(link) to \(next)")
            return
        }
        let downstream: Int32
        do {
            downstream = try ForwardingIO.connect(address, timeoutMs: settings.connectTimeoutMs)
        } catch {
            refuse(fd, error == .timeout ? .timeout : .nextHopDown, "\(node) could not reach \(next): \(error)")
            return
        }
        defer { close(downstream) }
        var onward = header
        onward.hopLimit -= 1
        do {
            try ForwardingIO.write(downstream, onward.encode() + readAhead, timeoutMs: settings.idleTimeoutMs)
        } catch {
            refuse(fd, .nextHopDown, "\(node) could not send to \(next): \(error)")
            return
        }
        counters.withLock { $0.add("relayed") }
        pass(fd, downstream, readAhead: [], hop: next.rawValue)
    }

    /// Moves bytes both ways between two sockets until both directions
    /// have closed, counting the call as a flow on `hop`.
    func pass(_ upstream: Int32, _ downstream: Int32, readAhead: [UInt8], hop: String) {
        counters.withLock { $0.flowStarted(hop) }
        defer { counters.withLock { $0.flowEnded(hop) } }
        do {
            if !readAhead.isEmpty { try ForwardingIO.write(downstream, readAhead, timeoutMs: settings.idleTimeoutMs) }
            let forward = SpliceMover.Direction(from: upstream, to: downstream, pipe: try SplicePipe(), count: nil, propagateClose: true)
            let backward = SpliceMover.Direction(from: downstream, to: upstream, pipe: try SplicePipe(), count: nil, propagateClose: true)
            try SpliceMover.run([forward, backward], idleTimeoutMs: settings.idleTimeoutMs)
            counters.withLock {
                $0.add("bytes_forward", Int(forward.moved))
                $0.add("bytes_backward", Int(backward.moved))
            }
        } catch {
            counters.withLock { $0.add(error == .timeout ? "idle_timeouts" : "relay_errors") }
        }
    }
}
