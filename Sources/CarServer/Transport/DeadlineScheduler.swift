import Synchronization

/// Runs work at a monotonic deadline, asked from any thread: how server→client calls are
/// bounded without a task or a timer per call.
protocol DeadlineScheduler: Sendable {
    func schedule(deadline: UInt64, _ work: @escaping @Sendable () -> Void) -> ScheduledWork
}

/// A handle on scheduled work; `cancel()` may come from any thread, wins over a timer that has
/// not fired yet, and takes the timer out of the loop's heap.
final class ScheduledWork: @unchecked Sendable {
    private let cancelled = Atomic<Bool>(false)
    private weak var loop: EventLoop?
    /// Set and read on the loop thread only.
    fileprivate var timer: LoopTimer?

    init(loop: EventLoop? = nil) {
        self.loop = loop
    }

    func cancel() {
        guard !cancelled.exchange(true, ordering: .acquiringAndReleasing), let loop else { return }
        if loop.inLoop {
            timer?.cancel()
            timer = nil
        } else {
            loop.execute { [self] in
                timer?.cancel()
                timer = nil
            }
        }
    }

    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}

extension EventLoop: DeadlineScheduler {
    func schedule(deadline: UInt64, _ work: @escaping @Sendable () -> Void) -> ScheduledWork {
        let handle = ScheduledWork(loop: self)
        let arm: @Sendable () -> Void = { [self] in
            guard !handle.isCancelled else { return }
            handle.timer = schedule(at: deadline) { if !handle.isCancelled { work() } }
        }
        if inLoop { arm() } else { execute(arm) }
        return handle
    }
}
