#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds: the only clock the runtime reads. The
/// engines get it as their `Instant`; it never jumps with wall-clock changes.
public enum MonotonicClock {
    public static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}

/// CLOCK_REALTIME in seconds and nanoseconds: grant validity windows are
/// wall-clock times, and the class-2 sequence numbers start from it.
public enum WallClock {
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    public static func seconds() -> UInt64 { nanoseconds() / 1_000_000_000 }
}
