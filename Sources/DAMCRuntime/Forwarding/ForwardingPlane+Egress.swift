import CLinuxEvents
import DAMCForwarding
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The egress side of a gateway (docs/forwarding.md §egress): choose a
/// healthy instance of the matched prefix, connect, and on a refused or
/// timed-out connect eject it (passive health) and try the next one.
extension ForwardingPlane {
    /// A connected instance of `prefix`, trying each healthy one at most
    /// once (`tried` lists those already tried); nil when none took it.
    func connectInstance(_ prefix: ServiceName, tried: inout [Endpoint], preferring: Endpoint? = nil) -> (Int32, Endpoint)? {
        // Flow ids are random enough for two choices, without the two
        // getrandom(2) calls per call that SystemRandomNumberGenerator makes.
        while let endpoint = pool.withLock({
            $0.choose(for: prefix, excluding: tried, preferring: preferring, random: (FlowID.next(), FlowID.next()))
        }) {
            tried.append(endpoint)
            if let fd = instancePool.take(endpoint.description) {
                counters.withLock { $0.add(.instanceReuses) }
                return (fd, endpoint)
            }
            do {
                let fd = try ForwardingIO.connect(SocketAddress(endpoint: endpoint), timeoutMs: settings.connectTimeoutMs)
                counters.withLock { $0.add(.instanceConnects) }
                return (fd, endpoint)
            } catch {
                counters.withLock { $0.add(.instanceConnectFailures) }
                finishInstance(-1, endpoint, prefix, failed: "connect: \(error)")
            }
        }
        return nil
    }

    /// Ends a call to an instance: keeps the connection for the next call
    /// (`keep`) or closes it, releases the outstanding count and, on
    /// passive evidence, ejects the instance.
    func finishInstance(_ fd: Int32, _ endpoint: Endpoint, _ prefix: ServiceName, failed reason: String?, keep: Bool = false) {
        if keep && fd >= 0 && reason == nil {
            instancePool.give(endpoint.description, fd)
        } else if fd >= 0 {
            close(fd)
        }
        let changed = pool.withLock { pool in
            pool.finished(endpoint, prefix: prefix)
            guard let reason else { return false }
            return pool.failed(endpoint, because: reason, now: Self.nowNanoseconds())
        }
        if changed {
            logger.warning("instance ejected", metadata: ["instance": "\(endpoint)", "prefix": "\(prefix)", "reason": "\(reason ?? "")"])
            healthChanged()
        }
    }
}
