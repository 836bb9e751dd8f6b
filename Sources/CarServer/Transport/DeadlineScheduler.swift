import Synchronization

/// Runs work at a monotonic deadline, asked from any thread: how server→client calls are
/// bounded without a task or a timer per call.
protocol DeadlineScheduler: Sendable {
    func schedule(deadline: UInt64, _ work: @escaping @Sendable () -> Void) -> ScheduledWork
}

/// A handle on scheduled work; `cancel()` may come from any thread and wins over a timer
/// that has not fired yet.
final class ScheduledWork: Sendable {
    private let cancelled = Atomic<Bool>(false)

    func cancel() { cancelled.store(true, ordering: .releasing) }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

extension EventLoop: DeadlineScheduler {
    func schedule(deadline: UInt64, _ work: @escaping @Sendable () -> Void) -> ScheduledWork {
        let handle = ScheduledWork()
        let arm: @Sendable () -> Void = { [self] in
            schedule(at: deadline) { if !handle.isCancelled { work() } }
        }
        if inLoop { arm() } else { execute(arm) }
        return handle
    }
}
