import CLinuxEvents
import DAMCForwarding
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// Active health checks of a gateway's instances (docs/forwarding.md
/// §health): every interval, each distinct endpoint is probed with a TCP
/// connect or an HTTP GET, on a thread of its own; the results feed the
/// pool's fall/rise counting and the telemetry (RTT, loss, availability).
extension ForwardingPlane {
    func startProber() {
        _ = ForwardingThread.spawn { [self] in
            while !isStopping {
                let started = Self.nowNanoseconds()
                let endpoints = pool.withLock { $0.endpoints }
                var changed = false
                for endpoint in endpoints where !isStopping {
                    let rtt = probe(endpoint)
                    counters.withLock { $0.add(rtt == nil ? .probeFailures : .probes) }
                    if pool.withLock({ $0.probed(endpoint, rttMicros: rtt, now: Self.nowNanoseconds()) }) {
                        changed = true
                        logger.info("instance health changed", metadata: ["instance": "\(endpoint)", "healthy": "\(rtt != nil)"])
                    }
                }
                if changed { healthChanged() }
                let elapsed = Self.nowNanoseconds() - started
                let wait = settings.health.intervalMs * 1_000_000 - elapsed
                if wait > 0 {
                    var pause = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
                    nanosleep(&pause, nil)
                }
            }
        }
    }

    /// One probe: the round trip in microseconds, or nil on failure.
    func probe(_ endpoint: Endpoint) -> Double? {
        let started = Self.nowNanoseconds()
        let timeout = settings.health.timeoutMs
        guard let fd = try? ForwardingIO.connect(SocketAddress(endpoint: endpoint), timeoutMs: timeout) else { return nil }
        defer { close(fd) }
        if let path = settings.health.httpPath {
            let request = "GET \(path) HTTP/1.1\r\nHost: \(endpoint)\r\nUser-Agent: damc-health\r\nConnection: close\r\n\r\n"
            guard (try? ForwardingIO.write(fd, Array(request.utf8), timeoutMs: timeout)) != nil else { return nil }
            var buffer: [UInt8] = []
            while true {
                let left = timeout - (Self.nowNanoseconds() - started) / 1_000_000
                guard left > 0, let count = try? ForwardingIO.read(fd, into: &buffer, max: 4096, timeoutMs: left), count > 0 else {
                    return nil
                }
                guard let head = try? parser.parse(buffer, kind: .response(requestMethod: "GET")) else {
                    if buffer.count > settings.maxHeadBytes { return nil }
                    continue
                }
                guard (200..<400).contains(head.status) else { return nil }
                break
            }
        }
        return Double(Self.nowNanoseconds() - started) / 1000
    }
}
