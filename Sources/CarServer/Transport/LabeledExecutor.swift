/// Runs a task's jobs on the event loop under a label (the request's method), so the loop's
/// watchdog can say which method held a slow turn. One small object per request task.
final class LabeledExecutor: TaskExecutor, @unchecked Sendable {
    private let loop: EventLoop
    let label: String

    init(loop: EventLoop, label: String) {
        self.loop = loop
        self.label = label
    }

    func enqueue(_ job: consuming ExecutorJob) {
        loop.enqueue(job, label: self)
    }
}
