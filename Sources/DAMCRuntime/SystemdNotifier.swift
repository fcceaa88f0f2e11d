import CSystemd

/// systemd's readiness protocol through libsystemd (DESIGN.md §2): a
/// `Type=notify` unit learns `READY=1` once sockets are bound, `STATUS=`
/// lines for `systemctl status`, `WATCHDOG=1` from the loop, and
/// `STOPPING=1`. Outside systemd (`NOTIFY_SOCKET` unset) every call is a
/// no-op.
public enum SystemdNotifier {
    /// Sends `state` (one or more `KEY=value` lines); true if a listener got it.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// The watchdog interval systemd expects (`WATCHDOG_USEC`), if any.
    public static var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }
}
