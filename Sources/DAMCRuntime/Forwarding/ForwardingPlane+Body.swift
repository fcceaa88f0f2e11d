import CLinuxEvents
import DAMCForwarding
#if canImport(Glibc)
import Glibc
#endif

/// Moving an HTTP body from one socket to another without holding it
/// (docs/forwarding.md §bodies): bytes already read go first, the rest by
/// splice(2) when the length is known, and chunked bodies are scanned as
/// they pass, with large chunks spliced whole.
extension ForwardingPlane {
    /// Why a body could not be moved.
    enum BodyError: Error {
        case io(ForwardingIOError)
        case framing(HTTPError)
    }

    /// Moves one body delimited by `framing` from `from` to `to`;
    /// `buffer` holds bytes already read from `from` and keeps any that
    /// follow the body. With `framed`, the bytes go out as DATA frames (to
    /// a hop) rather than raw. Returns the bytes moved.
    @discardableResult
    func moveBody(_ framing: BodyFraming, from: Int32, to: Int32, buffer: inout [UInt8], framed: Bool = false,
                  pipe given: SplicePipe? = nil) throws(BodyError) -> UInt64 {
        if case .none = framing { return 0 }
        do throws(ForwardingIOError) {
            let pipe = given ?? SplicePipe()
            switch framing {
            case .none:
                return 0
            case let .length(total):
                if framed {
                    try HopFrames.frameRaw(total, buffered: &buffer, from: from, to: to, pipe: pipe, timeoutMs: settings.idleTimeoutMs)
                    return total
                }
                let buffered = Int(min(total, UInt64(buffer.count)))
                if buffered > 0 {
                    try ForwardingIO.write(to, buffer[0..<buffered], timeoutMs: settings.idleTimeoutMs)
                    buffer.removeFirst(buffered)
                }
                let rest = total - UInt64(buffered)
                if rest > 0 {
                    let direction = SpliceMover.Direction(from: from, to: to, pipe: pipe, count: rest, propagateClose: false)
                    try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                }
                return total
            case .untilClose:
                var sent = UInt64(buffer.count)
                if framed {
                    try HopFrames.writeData(to, buffer, timeoutMs: settings.idleTimeoutMs)
                    buffer.removeAll()
                    while try ForwardingIO.read(from, into: &buffer, max: 65_536, timeoutMs: settings.idleTimeoutMs) > 0 {
                        try HopFrames.writeData(to, buffer, timeoutMs: settings.idleTimeoutMs)
                        sent += UInt64(buffer.count)
                        buffer.removeAll(keepingCapacity: true)
                    }
                    return sent
                }
                if !buffer.isEmpty { try ForwardingIO.write(to, buffer, timeoutMs: settings.idleTimeoutMs) }
                buffer.removeAll()
                let direction = SpliceMover.Direction(from: from, to: to, pipe: pipe, count: nil, propagateClose: false)
                try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                return sent + direction.moved
            case .chunked:
                return try moveChunked(from: from, to: to, buffer: &buffer, framed: framed, pipe: pipe)
            }
        } catch {
            throw .io(error)
        }
    }

    private func moveChunked(from: Int32, to: Int32, buffer: inout [UInt8], framed: Bool,
                             pipe: SplicePipe) throws(ForwardingIOError) -> UInt64 {
        var scanner = ChunkedScanner()
        var moved: UInt64 = 0
        while !scanner.isDone {
            if !buffer.isEmpty {
                let used: Int
                do {
                    used = try buffer.withUnsafeBytes { (raw) throws(HTTPError) in try scanner.scan(raw) }
                } catch {
                    throw .system("chunked framing: \(error)", EPROTO)
                }
                if framed {
                    try HopFrames.writeData(to, buffer[0..<used], timeoutMs: settings.idleTimeoutMs)
                } else {
                    try ForwardingIO.write(to, buffer[0..<used], timeoutMs: settings.idleTimeoutMs)
                }
                buffer.removeFirst(used)
                moved += UInt64(used)
            } else if scanner.dataRemaining >= 65_536 {
                let count = scanner.dataRemaining
                if framed {
                    var none: [UInt8] = []
                    try HopFrames.frameRaw(count, buffered: &none, from: from, to: to, pipe: pipe, timeoutMs: settings.idleTimeoutMs)
                } else {
                    let direction = SpliceMover.Direction(from: from, to: to, pipe: pipe, count: count, propagateClose: false)
                    try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                }
                scanner.skipData(count)
                moved += count
            } else if try ForwardingIO.read(from, into: &buffer, max: 65_536, timeoutMs: settings.idleTimeoutMs) == 0 {
                throw .closed
            }
        }
        return moved
    }
}
