import CCarSystem
import Dispatch
import Foundation
import Synchronization

/// A small, bounded set of threads for calls that block: fsync, flock, whole-file reads and
/// writes, a child process and its pipes. The event loop only ever waits in epoll, so
/// anything that may block is handed here and the caller resumes through a continuation
/// (in the spirit of SwiftNIO's NIOThreadPool).
///
/// Bounds: `threads` workers and at most `maxQueued` jobs waiting; past that, `run` throws
/// `BlockingPoolError.saturated` at once rather than queueing without limit. A job whose task
/// was cancelled before a worker picked it up is not run.
public final class BlockingPool: Sendable {
    /// The daemon's pool for calls that block: fsync, flock, file I/O, children and their
    /// pipes. Sized small on purpose; `CAR_BLOCKING_THREADS` (1...64) overrides the size.
    public static let shared = BlockingPool(
        threads: ProcessInfo.processInfo.environment["CAR_BLOCKING_THREADS"].flatMap(Int.init).map { min(max($0, 1), 64) } ?? 4,
        maxQueued: 4096)

    /// The pool for CPU work whose cost grows with what a client sent (a large message's
    /// parse, a verification). Its workers run at nice 19, so on a busy CPU the event loop
    /// wins over them the moment it has a socket to serve (measured: with the daemon on one
    /// CPU, a 16 MiB parse at nice 0 kept other connections' ping p99 at 3-6 ms; at 19,
    /// under 2 ms). Kept apart from `shared` because a machine busy with other work starves
    /// nice-19 threads: an fsync before a reply must not wait behind that.
    public static let compute = BlockingPool(threads: 2, maxQueued: 1024, nice: 19, name: "car-compute")

    private final class Job: @unchecked Sendable {
        let body: () -> Void
        let cancelled: () -> Bool
        let skip: () -> Void
        init(body: @escaping () -> Void, cancelled: @escaping () -> Bool, skip: @escaping () -> Void) {
            self.body = body
            self.cancelled = cancelled
            self.skip = skip
        }
    }

    private struct Queue {
        var jobs: [Job] = []
        var head = 0
        var pending: Int { jobs.count - head }
    }

    public let threadCount: Int
    public let maxQueued: Int
    private let queue = Mutex(Queue())
    private let available: DispatchSemaphore
    private let busy = Atomic<Int>(0)

    /// `nice` lowers the workers' priority (0 keeps the caller's; only lowering needs no
    /// privilege); `name` prefixes the workers' thread names (`<name>-<n>`).
    public init(threads: Int, maxQueued: Int, nice: Int32 = 0, name: String = "car-blocking") {
        threadCount = max(1, threads)
        self.maxQueued = max(1, maxQueued)
        available = DispatchSemaphore(value: 0)
        for index in 0..<threadCount {
            let thread = Thread { [self] in
                // Named through pthread (Linux keeps 15 bytes), which tools such as top and
                // perf show; Foundation's Thread.name is not always the kernel's name.
                _ = car_set_thread_name(String("\(name)-\(index)".utf8.prefix(15))!)
                // On Linux `who` 0 is the calling thread, not the whole process.
                if nice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
                work()
            }
            thread.start()
        }
    }

    /// Runs `body` on a pool thread and returns its result to the awaiting task.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let cancelledFlag = Atomic<Bool>(false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let job = Job(
                    body: { continuation.resume(with: Result { try body() }) },
                    cancelled: { cancelledFlag.load(ordering: .acquiring) },
                    skip: { continuation.resume(throwing: CancellationError()) })
                let refusal: BlockingPoolError? = queue.withLock { queue in
                    if queue.pending >= maxQueued { return .saturated(limit: maxQueued) }
                    queue.jobs.append(job)
                    return nil
                }
                if let refusal {
                    continuation.resume(throwing: refusal)
                } else {
                    available.signal()
                }
            }
        } onCancel: {
            cancelledFlag.store(true, ordering: .releasing)
        }
    }

    /// Jobs waiting for a worker, and workers running one: for status and tests.
    public var queuedCount: Int { queue.withLock { $0.pending } }
    public var busyCount: Int { busy.load(ordering: .relaxed) }

    private func work() {
        while true {
            available.wait()
            let job: Job? = queue.withLock { queue in
                guard queue.head < queue.jobs.count else { return nil }
                let job = queue.jobs[queue.head]
                queue.head += 1
                // Compact once the consumed prefix dominates, so the array does not grow forever.
                if queue.head > 64 && queue.head * 2 > queue.jobs.count {
                    queue.jobs.removeFirst(queue.head)
                    queue.head = 0
                }
                return job
            }
            guard let job else { continue }
            if job.cancelled() {
                job.skip()
                continue
            }
            busy.add(1, ordering: .relaxed)
            job.body()
            busy.subtract(1, ordering: .relaxed)
        }
    }
}

public enum BlockingPoolError: Error, CustomStringConvertible, Equatable {
    case saturated(limit: Int)

    public var description: String {
        switch self {
        case .saturated(let limit): "the blocking-work pool is saturated (\(limit) jobs waiting); try again"
        }
    }
}
