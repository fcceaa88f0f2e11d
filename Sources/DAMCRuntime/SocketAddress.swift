import CLinuxEvents
import DAMCTopology
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A BSD socket address (IPv4, IPv6 with scope, or a Unix path) ready for
/// `bind`, `connect` and `sendto`, and comparable with what `recvfrom`
/// reports.
public struct SocketAddress: @unchecked Sendable, CustomStringConvertible {
    public var storage = sockaddr_storage()
    public var length: socklen_t = 0

    public init() {}

    /// Resolves a numeric `TransportAddress` (no DNS: AI_NUMERICHOST).
    public init(_ address: TransportAddress, type: Int32 = Int32(SOCK_DGRAM.rawValue)) throws(SystemError) {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_family = address.isIPv6 ? AF_INET6 : AF_INET
        hints.ai_socktype = type
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &result)
        guard status == 0, let info = result else {
            throw SystemError("getaddrinfo", address.description, code: EINVAL)
        }
        defer { freeaddrinfo(result) }
        withUnsafeMutableBytes(of: &storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen)))
        }
        length = info.pointee.ai_addrlen
    }

    /// A Unix-domain socket path (at most 107 bytes).
    public init(unixPath path: String) throws(SystemError) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError("socket path", path, code: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { target in
            target.copyBytes(from: bytes)
            target[bytes.count] = 0
        }
        withUnsafeMutableBytes(of: &storage) { target in
            withUnsafeBytes(of: address) { target.copyMemory(from: $0) }
        }
        length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
    }

    public var family: Int32 { Int32(storage.ss_family) }

    /// True if both name the same IP address and port (scope ids ignored).
    public func sameEndpoint(as other: SocketAddress) -> Bool {
        guard family == other.family else { return false }
        return withUnsafeBytes(of: storage) { mine in
            withUnsafeBytes(of: other.storage) { theirs in
                if family == AF_INET {
                    let a = mine.load(as: sockaddr_in.self), b = theirs.load(as: sockaddr_in.self)
                    return a.sin_port == b.sin_port && a.sin_addr.s_addr == b.sin_addr.s_addr
                }
                if family == AF_INET6 {
                    let a = mine.load(as: sockaddr_in6.self), b = theirs.load(as: sockaddr_in6.self)
                    return a.sin6_port == b.sin6_port
                        && withUnsafeBytes(of: a.sin6_addr) { x in withUnsafeBytes(of: b.sin6_addr) { y in x.elementsEqual(y) } }
                }
                return false
            }
        }
    }

    public var description: String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = withUnsafeBytes(of: storage) { raw in
            getnameinfo(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length, &host, socklen_t(host.count),
                        &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
        }
        guard status == 0 else { return "(family \(family))" }
        func text(_ characters: [CChar]) -> String {
            String(decoding: characters.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let hostText = text(host), serviceText = text(service)
        return family == AF_INET6 ? "[\(hostText)]:\(serviceText)" : "\(hostText):\(serviceText)"
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self), length) }
    }
}

extension SocketAddress {
    /// The address of a service instance (no text round trip: calls make
    /// one of these per connection).
    public init(endpoint: Endpoint) {
        self.init()
        withUnsafeMutableBytes(of: &storage) { raw in
            if endpoint.address.isIPv4 {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = endpoint.port.bigEndian
                withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: endpoint.address.bytes) }
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            } else {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = endpoint.port.bigEndian
                withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: endpoint.address.bytes) }
                withUnsafeBytes(of: address) { raw.copyMemory(from: $0) }
            }
        }
        length = socklen_t(endpoint.address.isIPv4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
    }
}
