import Foundation
import Synchronization

/// A process-wide admission semaphore for inference handlers. Sizing: one permit per 8 GiB of RAM
/// (at least 1, at most 8), unless `CAR_INFERENCE_MAX_CONCURRENT` holds a positive integer, which
/// wins (capped at `maxOverride`). Waiters are served first in, first out; a released permit goes
/// straight to the oldest waiter. `acquire` is not cancellable: a caller waits until it gets a permit.
public final class InferenceAdmission: Sendable {
    public static let environmentKey = "CAR_INFERENCE_MAX_CONCURRENT"
    public static let bytesPerPermit: UInt64 = 8 << 30
    public static let maxFromMemory = 8
    public static let maxOverride = 1024

    private struct Inner {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0  // waiters[head...] are still parked

        var parked: Int { waiters.count - head }
    }

    private let total: Int
    private let envOverride: Bool
    private let state: Mutex<Inner>

    /// `permits` below 1 is raised to 1.
    public init(permits: Int, envOverride: Bool) {
        total = max(1, permits)
        self.envOverride = envOverride
        state = Mutex(Inner(available: max(1, permits)))
    }

    public static func fromEnvironment(_ env: [String: String], physicalMemoryBytes: UInt64) -> InferenceAdmission {
        if let raw = env[environmentKey]?.trimmingWhitespace, let value = Int(raw), value > 0 {
            return InferenceAdmission(permits: min(value, maxOverride), envOverride: true)
        }
        return InferenceAdmission(permits: permits(physicalMemoryBytes: physicalMemoryBytes), envOverride: false)
    }

    /// `fromEnvironment` with this process's environment and physical memory.
    public static func fromProcess() -> InferenceAdmission {
        fromEnvironment(ProcessInfo.processInfo.environment, physicalMemoryBytes: ProcessInfo.processInfo.physicalMemory)
    }

    /// One per 8 GiB, clamped to 1...8.
    public static func permits(physicalMemoryBytes: UInt64) -> Int {
        Int(min(max(physicalMemoryBytes / bytesPerPermit, 1), UInt64(maxFromMemory)))
    }

    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { s in
                if s.available > 0 && s.parked == 0 {
                    s.available -= 1
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    /// Returns a permit: to the oldest waiter if any, else to the pool. A release beyond the total
    /// (a caller bug) is ignored.
    public func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.parked > 0 {
                let waiter = s.waiters[s.head]
                s.head += 1
                if s.head > 64 && s.head * 2 > s.waiters.count {
                    s.waiters.removeFirst(s.head)
                    s.head = 0
                }
                return waiter
            }
            if s.available < total { s.available += 1 }
            return nil
        }
        next?.resume()
    }

    public func withPermit<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// `inUse` counts permits held; `available` those free (0 while callers wait).
    public var status: (total: Int, available: Int, inUse: Int, envOverride: Bool) {
        let available = state.withLock { $0.available }
        return (total, available, total - available, envOverride)
    }

    /// How many `acquire` calls are parked (for tests and diagnostics).
    public var waiting: Int { state.withLock { $0.parked } }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
