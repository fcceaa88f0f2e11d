import CLinuxEvents
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A relay's part of one call (docs/forwarding.md §hops): DATA frames go
/// downstream until END while, concurrently, the reply and the DATA frames
/// come back until END. Both directions move at once (the ingress waits
/// for the reply before it sends a body), each payload by splice(2).
/// The result says whether both connections may carry another call.
struct FramedRelay {
    final class Direction {
        enum Phase: Equatable { case reply, header, payload(UInt64), finished }
        let from: Int32
        let to: Int32
        let pipe: SplicePipe
        var phase: Phase
        var buffered = 0
        var moved: UInt64 = 0

        init(from: Int32, to: Int32, pipe: SplicePipe, startsWithReply: Bool) {
            self.from = from
            self.to = to
            self.pipe = pipe
            phase = startsWithReply ? .reply : .header
        }

        /// Passes on request bytes already read from `from` (by an event
        /// loop) as they would have come: frame headers and payload, a
        /// header cut short completed from the socket.
        func pass(_ bytes: [UInt8], timeoutMs: Int64) throws {
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 4)
            var index = 0
            while index < bytes.count {
                switch phase {
                case .header:
                    var header = Array(bytes[index..<Swift.min(bytes.count, index + 4)])
                    index += header.count
                    if header.count < 4 { header += try HopFrames.readExactly(from, 4 - header.count, timeoutMs: timeoutMs) }
                    let length = UInt64(HopFrames.length(header))
                    out += header
                    phase = length == 0 ? .finished : .payload(length)
                case let .payload(left):
                    let take = Int(Swift.min(left, UInt64(bytes.count - index)))
                    out += bytes[index..<index + take]
                    index += take
                    moved += UInt64(take)
                    phase = UInt64(take) == left ? .header : .payload(left - UInt64(take))
                case .reply, .finished:
                    throw WireError.invalidValue(what: "call", reason: "bytes after the request's END")
                }
            }
            try ForwardingIO.write(to, out, timeoutMs: timeoutMs)
        }

        var wantsInput: Bool {
            switch phase {
            case .reply, .header: return true
            case let .payload(left): return left > 0 && buffered < Int(SplicePipe.size)
            case .finished: return false
            }
        }
    }

    /// How a relayed call ended.
    struct Outcome {
        /// The reply said connected and both ENDs passed: the connections
        /// are idle and may carry another call.
        var reusable: Bool
        /// Payload bytes moved downstream (the request) and back upstream.
        var requestBytes: UInt64
        var responseBytes: UInt64
    }

    /// Runs the call to its end.
    /// `prefix`: the request's bytes already read from `upstream`.
    static func run(upstream: Int32, downstream: Int32, pipes: (SplicePipe, SplicePipe), prefix: [UInt8], limit: Int,
                    idleTimeoutMs: Int64) throws -> Outcome {
        let request = Direction(from: upstream, to: downstream, pipe: pipes.0, startsWithReply: false)
        let response = Direction(from: downstream, to: upstream, pipe: pipes.1, startsWithReply: true)
        if !prefix.isEmpty { try request.pass(prefix, timeoutMs: idleTimeoutMs) }
        var connected = true
        while request.phase != .finished || response.phase != .finished {
            var progressed = false
            for direction in [request, response] where direction.phase != .finished {
                switch direction.phase {
                case .reply:
                    // Small and rare: read it whole, pass it on.
                    guard readable(direction.from) else { break }
                    let message = try HopFrames.readMessage(direction.from, limit: limit, timeoutMs: idleTimeoutMs)
                    guard case let .forwardReply(reply) = message else {
                        throw WireError.invalidValue(what: "message", reason: "\(message.messageType) where a ForwardReply belongs")
                    }
                    try ForwardingIO.write(direction.to, message.encode(), timeoutMs: idleTimeoutMs)
                    progressed = true
                    if reply.status == .failed {
                        connected = false
                        response.phase = .finished
                        request.phase = .finished   // the call is over; the connections close
                    } else {
                        direction.phase = .header
                    }
                case .header:
                    guard readable(direction.from) else { break }
                    let length = try HopFrames.readHeader(direction.from, timeoutMs: idleTimeoutMs)
                    try ForwardingIO.write(direction.to, HopFrames.header(length), timeoutMs: idleTimeoutMs)
                    direction.phase = length == 0 ? .finished : .payload(UInt64(length))
                    progressed = true
                case let .payload(left):
                    if left > 0 && direction.buffered < Int(SplicePipe.size) {
                        let want = min(left, UInt64(Int(SplicePipe.size) - direction.buffered))
                        if let moved = try direction.pipe.fill(from: direction.from, upTo: want) {
                            if moved == 0 { throw ForwardingIOError.closed }
                            direction.buffered += moved
                            direction.phase = .payload(left - UInt64(moved))
                            progressed = true
                        }
                    }
                    if direction.buffered > 0, let moved = try direction.pipe.drain(to: direction.to, upTo: direction.buffered) {
                        direction.buffered -= moved
                        direction.moved += UInt64(moved)
                        progressed = true
                    }
                    if case .payload(0) = direction.phase, direction.buffered == 0 { direction.phase = .header }
                case .finished:
                    break
                }
            }
            if progressed { continue }
            var entries: [pollfd] = []
            for direction in [request, response] where direction.phase != .finished {
                if direction.wantsInput { entries.append(pollfd(fd: direction.from, events: Int16(POLLIN), revents: 0)) }
                if direction.buffered > 0 { entries.append(pollfd(fd: direction.to, events: Int16(POLLOUT), revents: 0)) }
            }
            let status = poll(&entries, nfds_t(entries.count), Int32(clamping: idleTimeoutMs))
            if status == 0 { throw ForwardingIOError.timeout }
            if status < 0 && errno != EINTR { throw ForwardingIOError.system("poll", errno) }
        }
        return Outcome(reusable: connected, requestBytes: request.moved, responseBytes: response.moved)
    }

    /// Whether `fd` has bytes (or an end) to read now.
    static func readable(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }
}
