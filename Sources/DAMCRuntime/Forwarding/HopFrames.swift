import CLinuxEvents
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The byte layout of a call on a hop connection (docs/wire.md §5.8):
///
///     towards the egress:  ForwardHeader, DATA*, END
///     back to the ingress: ForwardReply, DATA*, END   (a failed reply ends the call and the connection)
///
/// DATA is a 4-byte big-endian length and that many bytes; END is a
/// length of 0. With both ENDs through, the connection is idle and may
/// carry the next call, so hops keep connections to their neighbours
/// open (reuse) instead of paying a TCP handshake per call. Payloads move
/// with splice(2); only the 4-byte lengths and the small DAMC messages
/// pass through user space, read exactly (MSG_PEEK first) so no payload
/// byte is ever read by mistake. (The event loops read a call's opening
/// whole and hand what they read to `FramedSource`/`FramedRelay`.)
enum HopFrames {
    /// The largest DATA payload in one frame.
    static let maxFrame = UInt64(UInt32.max)

    /// A frame header for `count` bytes (0: END).
    static func header(_ count: UInt32) -> [UInt8] {
        [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
    }

    /// The length in a frame header: the first 4 bytes of `bytes`, big-endian.
    static func length(_ bytes: some Collection<UInt8>) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Receives exactly `count` bytes (small metadata only).
    static func readExactly(_ fd: Int32, _ count: Int, timeoutMs: Int64) throws(ForwardingIOError) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            var chunk = [UInt8](repeating: 0, count: count - bytes.count)
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if got > 0 {
                bytes += chunk[0..<got]
            } else if got == 0 {
                throw .closed
            } else if errno == EAGAIN {
                try ForwardingIO.wait(fd, Int16(POLLIN), timeoutMs: timeoutMs)
            } else if errno != EINTR {
                throw .system("recv", errno)
            }
        }
        return bytes
    }

    /// The next frame's length (0: END).
    static func readHeader(_ fd: Int32, timeoutMs: Int64) throws(ForwardingIOError) -> UInt32 {
        let bytes = try readExactly(fd, 4, timeoutMs: timeoutMs)
        return length(bytes)
    }

    /// Reads one whole DAMC message (a header or a reply), exactly. Throws
    /// `.closed` at a clean end before its first byte.
    static func readMessage(_ fd: Int32, limit: Int, timeoutMs: Int64) throws -> DAMCMessage {
        var peeked = [UInt8](repeating: 0, count: 16)
        while true {
            let got = peeked.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_PEEK | MSG_DONTWAIT)) }
            if got == 0 { throw ForwardingIOError.closed }
            if got < 0 {
                if errno == EAGAIN {
                    try ForwardingIO.wait(fd, Int16(POLLIN), timeoutMs: timeoutMs)
                    continue
                }
                if errno == EINTR { continue }
                throw ForwardingIOError.system("recv", errno)
            }
            let seen = Array(peeked[0..<got])
            if let first = seen.first, UInt64(first) != MessageType.forwardHeader.rawValue,
               UInt64(first) != MessageType.forwardReply.rawValue {
                throw WireError.invalidValue(what: "message", reason: "type \(first) where a forwarding message belongs")
            }
            if let length = try DAMCMessage.frameLength(of: seen) {
                guard length <= limit else { throw WireError.messageTooLarge(size: length, limit: limit) }
                return try DAMCMessage.decode(try readExactly(fd, length, timeoutMs: timeoutMs))
            }
            if got == peeked.count { throw WireError.invalidValue(what: "message", reason: "no length in its first 16 bytes") }
            // A partial TLV header: wait for more.
            try ForwardingIO.wait(fd, Int16(POLLIN), timeoutMs: timeoutMs)
        }
    }

    /// Sends `bytes` as DATA frames (nothing for an empty array).
    static func writeData(_ fd: Int32, _ bytes: some Collection<UInt8>, timeoutMs: Int64) throws(ForwardingIOError) {
        guard !bytes.isEmpty else { return }
        try ForwardingIO.write(fd, header(UInt32(bytes.count)) + Array(bytes), timeoutMs: timeoutMs)
    }

    /// Sends END.
    static func writeEnd(_ fd: Int32, timeoutMs: Int64) throws(ForwardingIOError) {
        try ForwardingIO.write(fd, header(0), timeoutMs: timeoutMs)
    }

    /// Moves `count` raw bytes from `from` into DATA frames on `to`
    /// (splice for the payload). `buffered` bytes already read go first.
    static func frameRaw(_ count: UInt64, buffered: inout [UInt8], from: Int32, to: Int32, pipe: SplicePipe,
                         timeoutMs: Int64) throws(ForwardingIOError) {
        var left = count
        let first = Int(min(left, UInt64(buffered.count)))
        if first > 0 {
            try writeData(to, buffered[0..<first], timeoutMs: timeoutMs)
            buffered.removeFirst(first)
            left -= UInt64(first)
        }
        while left > 0 {
            let piece = min(left, maxFrame)
            try ForwardingIO.write(to, header(UInt32(piece)), timeoutMs: timeoutMs)
            try SpliceMover.run([.init(from: from, to: to, pipe: pipe, count: piece, propagateClose: false)], idleTimeoutMs: timeoutMs)
            left -= piece
        }
    }
}

/// Reads the DATA frames of one direction of a call as a plain byte
/// stream that ends at END: what the ingress does with a response and the
/// egress with a request.
final class FramedSource {
    let fd: Int32
    /// Payload bytes left in the current frame.
    private(set) var remaining: UInt64 = 0
    private(set) var ended = false
    let timeoutMs: Int64

    /// Bytes of the stream read from the connection before this source
    /// took it over (by an event loop); they come first.
    private var prefix: [UInt8]
    private var prefixOffset = 0

    init(fd: Int32, timeoutMs: Int64, prefix: [UInt8] = []) {
        self.fd = fd
        self.timeoutMs = timeoutMs
        self.prefix = prefix
    }

    private var prefixLeft: Int { prefix.count - prefixOffset }

    /// Makes `remaining` non-zero, or sets `ended`.
    private func advance() throws(ForwardingIOError) {
        while remaining == 0 && !ended {
            let length: UInt32
            if prefixLeft > 0 {
                var bytes = Array(prefix[prefixOffset..<prefixOffset + Swift.min(4, prefixLeft)])
                prefixOffset += bytes.count
                if bytes.count < 4 { bytes += try HopFrames.readExactly(fd, 4 - bytes.count, timeoutMs: timeoutMs) }
                length = HopFrames.length(bytes)
            } else {
                length = try HopFrames.readHeader(fd, timeoutMs: timeoutMs)
            }
            if length == 0 { ended = true } else { remaining = UInt64(length) }
        }
    }

    /// Appends up to `max` bytes to `buffer`; 0 at END.
    func read(into buffer: inout [UInt8], max: Int = 65_536) throws(ForwardingIOError) -> Int {
        try advance()
        if ended { return 0 }
        if prefixLeft > 0 {
            let count = Int(Swift.min(remaining, UInt64(Swift.min(max, prefixLeft))))
            buffer += prefix[prefixOffset..<prefixOffset + count]
            prefixOffset += count
            remaining -= UInt64(count)
            return count
        }
        let want = Int(min(remaining, UInt64(max)))
        let before = buffer.count
        var chunk = [UInt8](repeating: 0, count: want)
        while true {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if got > 0 {
                buffer += chunk[0..<got]
                remaining -= UInt64(got)
                return buffer.count - before
            }
            if got == 0 { throw .closed }
            if errno == EAGAIN { try ForwardingIO.wait(fd, Int16(POLLIN), timeoutMs: timeoutMs) } else if errno != EINTR {
                throw .system("recv", errno)
            }
        }
    }

    /// Frames up to this size are copied through user space: for a small
    /// payload one recv and one send cost less than two splices (and the
    /// pipe is never made).
    static let copyLimit: UInt64 = 16 * 1024

    /// Moves every remaining payload byte to `to` until END (splice for
    /// large frames); the count.
    func drain(to: Int32, pipe: SplicePipe) throws(ForwardingIOError) -> UInt64 {
        var moved: UInt64 = 0
        var small: [UInt8] = []
        while true {
            try advance()
            if ended { return moved }
            if prefixLeft > 0 {
                // What the loop already read of this frame, copied first.
                small.removeAll(keepingCapacity: true)
                let count = try read(into: &small, max: prefixLeft)
                try ForwardingIO.write(to, small, timeoutMs: timeoutMs)
                moved += UInt64(count)
                continue
            }
            let count = remaining
            if count <= Self.copyLimit {
                small.removeAll(keepingCapacity: true)
                while remaining > 0 { _ = try read(into: &small, max: Int(remaining)) }
                try ForwardingIO.write(to, small, timeoutMs: timeoutMs)
            } else {
                try SpliceMover.run([.init(from: fd, to: to, pipe: pipe, count: count, propagateClose: false)], idleTimeoutMs: timeoutMs)
                remaining = 0
            }
            moved += count
        }
    }
}

/// Idle connections kept for reuse, per destination (a neighbour's link,
/// or an instance). LIFO: the most recently used connection is the most
/// likely to be alive. A connection idle longer than `maxIdleMs` is
/// dropped (the far end times idle connections out too, and a connection
/// it closed must not be used), and one that is readable when taken (the
/// peer closed it, or sent what it should not have) is dropped as well.
final class ConnectionPool: @unchecked Sendable {
    private let idle = PlaneLock<[String: [(fd: Int32, since: Int64)]]>([:])
    let maxPerKey: Int
    let maxIdleMs: Int64

    init(maxPerKey: Int = 64, maxIdleMs: Int64) {
        self.maxPerKey = maxPerKey
        self.maxIdleMs = maxIdleMs
    }

    func take(_ key: String) -> Int32? {
        let now = MonotonicClock.now()
        while let entry = idle.withLock({ $0[key]?.popLast() }) {
            var check = pollfd(fd: entry.fd, events: Int16(POLLIN), revents: 0)
            if (now - entry.since) / 1_000_000 < maxIdleMs && poll(&check, 1, 0) == 0 { return entry.fd }
            close(entry.fd)
        }
        return nil
    }

    func give(_ key: String, _ fd: Int32) {
        let now = MonotonicClock.now()
        let kept = idle.withLock { idle -> Bool in
            guard (idle[key]?.count ?? 0) < maxPerKey else { return false }
            idle[key, default: []].append((fd, now))
            return true
        }
        if !kept { close(fd) }
    }

    /// Closes every idle connection.
    func closeAll() {
        let all = idle.withLock { idle in
            let taken = idle.values.flatMap { $0.map(\.fd) }
            idle.removeAll()
            return taken
        }
        for fd in all { close(fd) }
    }
}
