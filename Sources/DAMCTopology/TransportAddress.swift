import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// An IP address and UDP/TCP port as written in configuration files:
/// `127.1.0.3:7001`, `[::1]:7001` or `[fe80::1%veth0]:7001` (docs/config.md).
/// Only the text is validated here; the runtime turns it into a socket
/// address.
public struct TransportAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address without brackets or port (`127.1.0.3`, `fe80::1%veth0`).
    public var host: String
    public var port: UInt16
    public var isIPv6: Bool

    public init(host: String, port: UInt16) throws(TransportAddressError) {
        var address = in6_addr()
        let bare = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
        if inet_pton(AF_INET, host, &address) == 1 {
            isIPv6 = false
        } else if inet_pton(AF_INET6, bare, &address) == 1 {
            isIPv6 = true
        } else {
            throw TransportAddressError(reason: "'\(host)' is not an IPv4 or IPv6 address")
        }
        self.host = host
        self.port = port
    }

    /// The same address as a wire `Endpoint` (a service instance's address).
    public var endpoint: Endpoint {
        var bytes = [UInt8](repeating: 0, count: isIPv6 ? 16 : 4)
        let bare = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
        _ = inet_pton(isIPv6 ? AF_INET6 : AF_INET, bare, &bytes)
        return Endpoint(address: try! IPAddress(bytes: bytes), port: port)
    }

    /// Parses `HOST:PORT` (IPv6 in brackets).
    public init(parsing text: String) throws(TransportAddressError) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw TransportAddressError(reason: "'\(text)' is not [IPV6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw TransportAddressError(reason: "'\(text)' is not IPV4:PORT or [IPV6]:PORT")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText), port > 0 else {
            throw TransportAddressError(reason: "'\(portText)' in '\(text)' is not a port (1-65535)")
        }
        try self.init(host: String(host), port: port)
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why an address text was refused.
public struct TransportAddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
