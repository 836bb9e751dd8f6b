import Glibc

/// A failed system call: which one and the errno text, for logs and startup errors.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var errno: Int32

    static func lastErrno(_ call: String = "") -> SystemError {
        SystemError(call: call, errno: Glibc.errno)
    }

    public var description: String {
        let text = String(cString: strerror(errno))
        return call.isEmpty ? text : "\(call): \(text)"
    }
}

/// Monotonic time for timers and latency, immune to wall-clock changes.
enum MonotonicClock {
    static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
