import CLinuxEvents
import DAMCTopology
#if canImport(Glibc)
import Glibc
#endif

/// Why moving a call's bytes stopped.
enum ForwardingIOError: Error, Equatable, CustomStringConvertible {
    /// No progress within the allowed time.
    case timeout
    /// The peer closed (end of stream where more was needed).
    case closed
    /// A system call failed with this errno (ECONNRESET, ECONNREFUSED, ...).
    case system(String, Int32)

    var description: String {
        switch self {
        case .timeout: return "timed out"
        case .closed: return "connection closed"
        case let .system(call, code): return "\(call): \(String(cString: strerror(code)))"
        }
    }

    /// The peer refused or reset: passive evidence against an instance.
    var isRefusedOrReset: Bool {
        if case let .system(_, code) = self { return code == ECONNREFUSED || code == ECONNRESET }
        return false
    }
}

/// Blocking-style I/O over non-blocking sockets: every wait is a poll(2)
/// with a bound, so no call can hang a thread forever, and splice(2)
/// through a pipe when bytes only pass through.
enum ForwardingIO {
    /// Waits for `events` on `fd` for at most `timeoutMs`.
    static func wait(_ fd: Int32, _ events: Int16, timeoutMs: Int64) throws(ForwardingIOError) {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        while true {
            let status = poll(&entry, 1, Int32(clamping: timeoutMs))
            if status > 0 { return }
            if status == 0 { throw .timeout }
            if errno != EINTR { throw .system("poll", errno) }
        }
    }

    /// Reads what is there (at least one byte, or 0 at end of stream).
    /// (Through uninitialised scratch memory: a zeroed 64 KiB array per
    /// read cost more than the read.)
    static func read(_ fd: Int32, into buffer: inout [UInt8], max: Int = 65_536, timeoutMs: Int64) throws(ForwardingIOError) -> Int {
        while true {
            let count = withUnsafeTemporaryAllocation(byteCount: max, alignment: 16) { scratch -> Int in
                let count = recv(fd, scratch.baseAddress, max, 0)
                if count > 0 { buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<count])) }
                return count
            }
            if count >= 0 { return count }
            switch errno {
            case EAGAIN, EWOULDBLOCK: try wait(fd, Int16(POLLIN), timeoutMs: timeoutMs)
            case EINTR: continue
            default: throw .system("recv", errno)
            }
        }
    }

    /// Writes all of `bytes`.
    static func write(_ fd: Int32, _ bytes: some Collection<UInt8>, timeoutMs: Int64) throws(ForwardingIOError) {
        let data = Array(bytes)
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent >= 0 {
                offset += sent
                continue
            }
            switch errno {
            case EAGAIN, EWOULDBLOCK: try wait(fd, Int16(POLLOUT), timeoutMs: timeoutMs)
            case EINTR: continue
            default: throw .system("send", errno)
            }
        }
    }

    /// Connects to `address` within `timeoutMs`; returns a non-blocking socket.
    static func connect(_ address: SocketAddress, timeoutMs: Int64) throws(ForwardingIOError) -> Int32 {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let status = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        if status != 0 {
            guard errno == EINPROGRESS else {
                let code = errno
                Glibc.close(fd)
                throw .system("connect", code)
            }
            do throws(ForwardingIOError) {
                try wait(fd, Int16(POLLOUT), timeoutMs: timeoutMs)
            } catch {
                Glibc.close(fd)
                throw error
            }
            let code = TCPSocket.connectionError(fd)
            guard code == 0 else {
                Glibc.close(fd)
                throw .system("connect", code)
            }
        }
        return fd
    }

    /// Makes an accepted socket non-blocking, without Nagle's delay.
    static func prepare(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}

/// A pipe that carries spliced bytes between two sockets, so they never
/// enter user space. One per direction of a call. The pipe itself is made
/// on first use: most calls carry small bodies that are copied, and making
/// and closing a pipe costs four system calls.
final class SplicePipe {
    private var ends: (read: Int32, write: Int32)?

    static let size: Int32 = 256 * 1024

    init() {}

    deinit {
        if let ends {
            Glibc.close(ends.read)
            Glibc.close(ends.write)
        }
    }

    private func opened() throws(ForwardingIOError) -> (read: Int32, write: Int32) {
        if let ends { return ends }
        var fds: [Int32] = [-1, -1]
        guard damc_splice_pipe(&fds, Self.size) == 0 else { throw .system("pipe2", errno) }
        ends = (fds[0], fds[1])
        return (fds[0], fds[1])
    }

    /// Splices up to `count` bytes from `fd` into the pipe: how many moved
    /// (0 at the end of `fd`'s input), or nil when none are ready.
    func fill(from fd: Int32, upTo count: UInt64) throws(ForwardingIOError) -> Int? {
        let moved = damc_splice(fd, try opened().write, UInt(count))
        if moved >= 0 { return moved }
        if errno == EAGAIN || errno == EINTR { return nil }
        throw .system("splice", errno)
    }

    /// Splices up to `count` bytes from the pipe to `fd`: how many moved,
    /// or nil when `fd` takes none now.
    func drain(to fd: Int32, upTo count: Int) throws(ForwardingIOError) -> Int? {
        let moved = damc_splice(try opened().read, fd, UInt(count))
        if moved > 0 { return moved }
        if moved < 0 && errno != EAGAIN && errno != EINTR { throw .system("splice", errno) }
        return nil
    }
}

/// Moves bytes from one socket to another with splice(2), in one or more
/// directions at once (a call's request and response), waiting with
/// poll(2) only when no direction can progress.
struct SpliceMover {
    /// One direction: from a socket, through a pipe, to a socket.
    final class Direction {
        let from: Int32
        let to: Int32
        let pipe: SplicePipe
        /// Bytes still to read from `from`; nil: until it closes.
        var left: UInt64?
        /// Bytes in the pipe, not yet written to `to`.
        var buffered = 0
        var inputEnded = false
        /// Whether to half-close `to` once `from` has closed and all is written.
        let propagateClose: Bool
        /// Bytes moved so far.
        var moved: UInt64 = 0

        init(from: Int32, to: Int32, pipe: SplicePipe, count: UInt64?, propagateClose: Bool) {
            self.from = from
            self.to = to
            self.pipe = pipe
            self.left = count
            self.propagateClose = propagateClose
        }

        var done: Bool { buffered == 0 && (inputEnded || left == 0) }
        var wantsInput: Bool { !inputEnded && left != 0 && buffered < Int(SplicePipe.size) }
    }

    /// Runs until every direction is done. A direction with a count fails
    /// with `.closed` if its input ends early; `idleTimeoutMs` bounds how
    /// long all directions may stall together.
    static func run(_ directions: [Direction], idleTimeoutMs: Int64) throws(ForwardingIOError) {
        while !directions.allSatisfy(\.done) {
            var progressed = false
            for direction in directions where !direction.done {
                if direction.wantsInput {
                    let want = min(direction.left ?? UInt64.max, UInt64(Int(SplicePipe.size) - direction.buffered))
                    if let moved = try direction.pipe.fill(from: direction.from, upTo: want) {
                        if moved == 0 {
                            if direction.left != nil { throw .closed }
                            direction.inputEnded = true
                        }
                        direction.buffered += moved
                        direction.left = direction.left.map { $0 - UInt64(moved) }
                        progressed = true
                    }
                }
                if direction.buffered > 0, let moved = try direction.pipe.drain(to: direction.to, upTo: direction.buffered) {
                    direction.buffered -= moved
                    direction.moved += UInt64(moved)
                    progressed = true
                }
                if direction.done && direction.inputEnded && direction.propagateClose {
                    _ = shutdown(direction.to, Int32(SHUT_WR))
                }
            }
            if progressed { continue }
            var entries: [pollfd] = []
            for direction in directions where !direction.done {
                if direction.wantsInput { entries.append(pollfd(fd: direction.from, events: Int16(POLLIN), revents: 0)) }
                if direction.buffered > 0 { entries.append(pollfd(fd: direction.to, events: Int16(POLLOUT), revents: 0)) }
            }
            let status = poll(&entries, nfds_t(entries.count), Int32(clamping: idleTimeoutMs))
            if status == 0 { throw .timeout }
            if status < 0 && errno != EINTR { throw .system("poll", errno) }
        }
    }
}
