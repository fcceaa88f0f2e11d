import CLinuxEvents
import DAMCTopology
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking UDP socket bound to one local address: one per routing
/// link (hello, LSU, ack and summary datagrams).
public final class UDPSocket {
    public let descriptor: Int32
    public let local: SocketAddress

    /// Opens and binds. No `SO_REUSEADDR`: for UDP it would let a second
    /// daemon bind the same address and steal half the datagrams; a
    /// restarted daemon rebinds at once without it.
    public init(bind address: TransportAddress) throws(SystemError) {
        local = try SocketAddress(address)
        let fd = socket(local.family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", address.description) }
        let status = local.withSockaddr { Glibc.bind(fd, $0, $1) }
        guard status == 0 else {
            let error = SystemError("bind", address.description)
            close(fd)
            throw error
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Sends one datagram; returns errno on failure (the caller counts it:
    /// a full buffer or an unreachable peer is routine on a routing link).
    @discardableResult
    public func send(_ bytes: [UInt8], to peer: SocketAddress) -> Int32? {
        let sent = bytes.withUnsafeBytes { buffer in
            peer.withSockaddr { sendto(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT), $0, $1) }
        }
        return sent < 0 ? errno : nil
    }

    /// One received datagram: its bytes (at most the buffer), its real
    /// length (larger than the bytes if it was truncated) and its source.
    public struct Datagram {
        public var bytes: [UInt8]
        public var length: Int
        public var source: SocketAddress
    }

    /// Receives one datagram, or nil when none is waiting.
    public func receive(maxBytes: Int) -> Datagram? {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        var source = SocketAddress()
        var sourceLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let length = buffer.withUnsafeMutableBytes { target in
            withUnsafeMutableBytes(of: &source.storage) { raw in
                recvfrom(descriptor, target.baseAddress, target.count, Int32(MSG_DONTWAIT | MSG_TRUNC),
                         raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &sourceLength)
            }
        }
        guard length >= 0 else { return nil }
        source.length = sourceLength
        buffer.removeSubrange(min(length, maxBytes)...)
        return Datagram(bytes: buffer, length: length, source: source)
    }
}
