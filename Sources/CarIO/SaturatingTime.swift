import Glibc

/// Durations from clients and the environment are converted here, saturating: a
/// `timeout_ms` near 2^64 or `CAR_APPROVAL_TIMEOUT=1e10` becomes "as long as the daemon can
/// wait", never a wrapped short deadline or an overflow trap.
public enum SaturatingTime {
    /// The longest wait the daemon schedules (about 31 years): far past any real deadline,
    /// and far enough below UInt64 nanoseconds that adding it to the clock cannot wrap.
    public static let maxNanoseconds: UInt64 = 1 << 60

    /// `duration` in nanoseconds, 0 for negative durations, at most `maxNanoseconds`.
    public static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let whole = UInt64(seconds)
        guard whole < maxNanoseconds / 1_000_000_000 else { return maxNanoseconds }
        return min(maxNanoseconds, whole * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000))
    }

    /// A duration of `seconds` (a Double from a flag or variable), clamped to 0...max;
    /// NaN counts as 0.
    public static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite else { return seconds > 0 ? .nanoseconds(Int64(maxNanoseconds)) : .zero }
        guard seconds > 0 else { return .zero }
        let nanos = seconds * 1e9
        if nanos >= Double(maxNanoseconds) { return .nanoseconds(Int64(maxNanoseconds)) }
        return .nanoseconds(Int64(nanos))
    }

    /// A duration of `milliseconds` from the wire, whatever its size.
    public static func duration(milliseconds: UInt64) -> Duration {
        milliseconds >= maxNanoseconds / 1_000_000 ? .nanoseconds(Int64(maxNanoseconds)) : .milliseconds(Int64(milliseconds))
    }

    /// `now + duration`, never wrapping.
    public static func deadline(after duration: Duration, from now: UInt64 = MonotonicClock.nanoseconds()) -> UInt64 {
        let (sum, overflow) = now.addingReportingOverflow(nanoseconds(duration))
        return overflow ? UInt64.max : sum
    }
}

/// Monotonic time for timers and latency, immune to wall-clock changes.
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
