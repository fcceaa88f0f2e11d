import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The blocking halves of multiplexed hop connections (docs/wire.md §5.9):
/// a worker opens one for a loop, and serves the resume call that fetches
/// a response too large to come back whole on a stream. A parked response
/// keeps its instance connection, off every loop, until it is fetched or
/// `park_timeout_ms` passes.
extension ForwardingPlane {
    /// A response waiting for its resume call.
    struct ParkedResponse: Sendable {
        let instance: Int32
        let endpoint: Endpoint
        let prefix: ServiceName
        let requestKeepAlive: Bool
        let response: HTTPHead
        /// Interim heads and the final head, as the instance sent them.
        let headBytes: [UInt8]
        /// Body bytes already read.
        let bodyRead: [UInt8]
        let expires: Int64
    }

    /// Connects to the neighbour on `link` and asks for a multiplexed
    /// connection; the descriptor once the neighbour agreed, else nil.
    func openMultiplexed(_ link: LinkID) -> Int32? {
        guard let address = neighborAddress(link),
              let fd = try? ForwardingIO.connect(address, timeoutMs: settings.connectTimeoutMs) else { return nil }
        let ask = ForwardHeader(name: .root, flowID: 0, hopLimit: 0, origin: node, applicationProtocol: .multiplex)
        guard (try? ForwardingIO.write(fd, ask.encode(), timeoutMs: settings.connectTimeoutMs)) != nil,
              case let .forwardReply(reply)? = try? HopFrames.readMessage(fd, limit: Self.maxHeaderFrame,
                                                                          timeoutMs: settings.connectTimeoutMs),
              reply.status == .connected else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Keeps a response for its resume call; the token that fetches it.
    func park(_ response: ParkedResponse) -> UInt64 {
        var rng = SystemRandomNumberGenerator()
        return parkedResponses.withLock { parked in
            var token: UInt64
            repeat { token = UInt64.random(in: 1...UInt64.max, using: &rng) } while parked[token] != nil
            parked[token] = response
            return token
        }
    }

    /// Drops parked responses nobody fetched in time (their instance
    /// connections close).
    func expireParked(now: Int64) {
        let expired = parkedResponses.withLock { parked -> [ParkedResponse] in
            guard !parked.isEmpty else { return [] }
            let gone = parked.filter { $0.value.expires <= now || isStopping }
            for token in gone.keys { parked[token] = nil }
            return Array(gone.values)
        }
        for response in expired {
            counters.withLock {
                $0.add(.muxParkExpired)
                $0.add(.egressErrors)
            }
            finishInstance(response.instance, response.endpoint, response.prefix, failed: nil)
        }
    }

    /// A resume call at the gateway that parked the response: the call's
    /// frames (its request head, END) are read and dropped, then the
    /// response goes back as on a serial connection. Whether the
    /// connection may carry another call.
    func serveResume(_ fd: Int32, _ header: ForwardHeader, prefix: [UInt8], pipes: Pipes) -> Bool {
        let source = FramedSource(fd: fd, timeoutMs: settings.idleTimeoutMs, prefix: prefix)
        var sink: [UInt8] = []
        do {
            while try source.read(into: &sink) > 0 { sink.removeAll(keepingCapacity: true) }
        } catch {
            return false
        }
        guard let token = header.resumeToken, let parked = parkedResponses.withLock({ $0.removeValue(forKey: token) }) else {
            refuse(fd, .timeout, "\(node): no parked response \(header.resumeToken ?? 0) (unknown, or not fetched within park_timeout_ms)")
            return false
        }
        let framing: BodyFraming = parked.response.status == 101 ? .untilClose : parked.response.framing
        var buffer = parked.bodyRead
        var failure: String?
        var moved: UInt64 = 0
        var fine = false
        do {
            try ForwardingIO.write(fd, connectedReply + HopFrames.header(UInt32(parked.headBytes.count)) + parked.headBytes,
                                   timeoutMs: settings.idleTimeoutMs)
            moved = try moveBody(framing, from: parked.instance, to: fd, buffer: &buffer, framed: true, pipe: pipes.get().1)
            try HopFrames.writeEnd(fd, timeoutMs: settings.idleTimeoutMs)
            fine = true
        } catch {
            if case let .io(io)? = error as? BodyError, io.isRefusedOrReset { failure = "response: \(io)" }
            counters.withLock { $0.add(.egressErrors) }
        }
        let keep = fine && parked.requestKeepAlive && parked.response.keepAlive && framing != .untilClose && buffer.isEmpty
        counters.withLock {
            $0.add(.egressResponseBytes, Int(moved) + parked.headBytes.count)
            if fine { $0.add(.egressResponses) }
            $0.sent(moved + UInt64(parked.headBytes.count), on: pipes.inbound)
        }
        finishInstance(parked.instance, parked.endpoint, parked.prefix, failed: failure, keep: keep)
        return fine
    }
}
