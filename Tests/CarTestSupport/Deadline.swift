import Glibc

/// A point on the monotonic clock after which a test gives up waiting. Every wait of the
/// test client is bounded by one, so a server that stops answering fails a test instead of
/// hanging the whole run.
struct Deadline {
    private let seconds: Double

    init(after timeout: Double) {
        seconds = Self.now() + max(0, timeout)
    }

    var hasPassed: Bool { Self.now() >= seconds }

    /// Seconds left, zero once passed.
    var remaining: Double { max(0, seconds - Self.now()) }

    /// What is left, in the milliseconds poll() takes, rounded up so that a wait never ends
    /// just before the deadline and spins.
    var pollTimeout: Int32 {
        let left = (seconds - Self.now()) * 1000
        guard left > 0 else { return 0 }
        return Int32(min(left.rounded(.up), Double(Int32.max)))
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
