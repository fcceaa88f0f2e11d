import CLinuxEvents
import DAMCTopology
#if canImport(Glibc)
import Glibc
#endif

/// Non-blocking TCP sockets: a listener, and outgoing connections whose
/// completion the event loop reports as writability.
public enum TCPSocket {
    /// A listening socket on `address` (SO_REUSEADDR: a restarted server
    /// rebinds while old connections linger in TIME_WAIT).
    public static func listen(_ address: TransportAddress, backlog: Int32 = 64) throws(SystemError) -> Int32 {
        let local = try SocketAddress(address, type: Int32(SOCK_STREAM.rawValue))
        let fd = socket(local.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", address.description) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard local.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = SystemError("bind", address.description)
            close(fd)
            throw error
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let error = SystemError("listen", address.description)
            close(fd)
            throw error
        }
        return fd
    }

    /// Starts connecting to `address`; the fd becomes writable when done
    /// (then `connectionError` says how it went).
    public static func connect(_ address: TransportAddress) throws(SystemError) -> Int32 {
        let remote = try SocketAddress(address, type: Int32(SOCK_STREAM.rawValue))
        let fd = socket(remote.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", address.description) }
        let status = remote.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard status == 0 || errno == EINPROGRESS else {
            let error = SystemError("connect", address.description)
            close(fd)
            throw error
        }
        return fd
    }

    /// The outcome of a non-blocking connect (0: connected).
    public static func connectionError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
        return code
    }

    /// Accepts one pending connection, non-blocking, or nil.
    public static func accept(_ listener: Int32) -> Int32? {
        let fd = damc_accept_nonblocking(listener)
        return fd >= 0 ? fd : nil
    }
}
