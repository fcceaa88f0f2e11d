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
    /// follow the body. Returns the bytes moved.
    @discardableResult
    func moveBody(_ framing: BodyFraming, from: Int32, to: Int32, buffer: inout [UInt8]) throws(BodyError) -> UInt64 {
        do throws(ForwardingIOError) {
            switch framing {
            case .none:
                return 0
            case let .length(total):
                let buffered = Int(min(total, UInt64(buffer.count)))
                if buffered > 0 {
                    try ForwardingIO.write(to, buffer[0..<buffered], timeoutMs: settings.idleTimeoutMs)
                    buffer.removeFirst(buffered)
                }
                let rest = total - UInt64(buffered)
                if rest > 0 {
                    let direction = SpliceMover.Direction(from: from, to: to, pipe: try SplicePipe(), count: rest, propagateClose: false)
                    try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                }
                return total
            case .untilClose:
                if !buffer.isEmpty { try ForwardingIO.write(to, buffer, timeoutMs: settings.idleTimeoutMs) }
                let sent = UInt64(buffer.count)
                buffer.removeAll()
                let direction = SpliceMover.Direction(from: from, to: to, pipe: try SplicePipe(), count: nil, propagateClose: false)
                try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                return sent + direction.moved
            case .chunked:
                return try moveChunked(from: from, to: to, buffer: &buffer)
            }
        } catch {
            throw .io(error)
        }
    }

    private func moveChunked(from: Int32, to: Int32, buffer: inout [UInt8]) throws(ForwardingIOError) -> UInt64 {
        var scanner = ChunkedScanner()
        var moved: UInt64 = 0
        var pipe: SplicePipe?
        while !scanner.isDone {
            if !buffer.isEmpty {
                let used: Int
                do {
                    used = try buffer.withUnsafeBytes { (raw) throws(HTTPError) in try scanner.scan(raw) }
                } catch {
                    throw .system("chunked framing: \(error)", EPROTO)
                }
                try ForwardingIO.write(to, buffer[0..<used], timeoutMs: settings.idleTimeoutMs)
                buffer.removeFirst(used)
                moved += UInt64(used)
            } else if scanner.dataRemaining >= 65_536 {
                let count = scanner.dataRemaining
                if pipe == nil { pipe = try SplicePipe() }
                let direction = SpliceMover.Direction(from: from, to: to, pipe: pipe!, count: count, propagateClose: false)
                try SpliceMover.run([direction], idleTimeoutMs: settings.idleTimeoutMs)
                scanner.skipData(count)
                moved += count
            } else if try ForwardingIO.read(from, into: &buffer, max: 65_536, timeoutMs: settings.idleTimeoutMs) == 0 {
                throw .closed
            }
        }
        return moved
    }
}
