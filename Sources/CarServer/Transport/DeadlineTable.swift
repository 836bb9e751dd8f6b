import Synchronization

/// Deadlines for many pending things with one timer: each entry records when it expires and
/// what to do then, and the table keeps a single event-loop timer armed for the earliest
/// deadline; when it fires, every expired entry runs and the timer re-arms for the next.
/// Finishing an entry costs a dictionary removal and no timer work, which is what lets every
/// request and every server→client call carry a deadline without a timer of its own.
final class DeadlineTable: Sendable {
    typealias Token = UInt64

    private struct Entry {
        var deadline: UInt64
        var onExpiry: @Sendable () -> Void
    }

    private struct Table {
        var nextToken: Token = 1
        var entries: [Token: Entry] = [:]
        var armed: (deadline: UInt64, timer: ScheduledWork)?
        var closed = false
    }

    private let table = Mutex(Table())
    private let scheduler: any DeadlineScheduler

    init(scheduler: any DeadlineScheduler) {
        self.scheduler = scheduler
    }

    /// Registers `onExpiry` to run (on the event loop) once `after` has passed, unless the
    /// entry is finished first. After `close()`, nothing is registered and nil comes back.
    func add(after: Duration, _ onExpiry: @escaping @Sendable () -> Void) -> Token? {
        let deadline = MonotonicClock.nanoseconds() &+ Self.nanoseconds(after)
        return table.withLock { table -> Token? in
            guard !table.closed else { return nil }
            let token = table.nextToken
            table.nextToken += 1
            table.entries[token] = Entry(deadline: deadline, onExpiry: onExpiry)
            if table.armed.map({ deadline < $0.deadline }) ?? true { arm(deadline, in: &table) }
            return token
        }
    }

    /// Removes the entry; true when it was still pending (its deadline had not fired).
    @discardableResult
    func finish(_ token: Token) -> Bool {
        table.withLock { $0.entries.removeValue(forKey: token) } != nil
    }

    /// Drops every entry without running it and disarms the timer.
    func close() {
        table.withLock { table in
            table.closed = true
            table.entries.removeAll()
            table.armed?.timer.cancel()
            table.armed = nil
        }
    }

    var count: Int { table.withLock { $0.entries.count } }

    private func arm(_ deadline: UInt64, in table: inout Table) {
        table.armed?.timer.cancel()
        let timer = scheduler.schedule(deadline: deadline) { [weak self] in self?.expire() }
        table.armed = (deadline, timer)
    }

    private func expire() {
        let now = MonotonicClock.nanoseconds()
        let due = table.withLock { table -> [Entry] in
            table.armed = nil
            var due: [Entry] = []
            var next: UInt64?
            for (token, entry) in table.entries {
                if entry.deadline <= now {
                    due.append(entry)
                    table.entries[token] = nil
                } else if next.map({ entry.deadline < $0 }) ?? true {
                    next = entry.deadline
                }
            }
            if let next, !table.closed { arm(next, in: &table) }
            return due
        }
        for entry in due { entry.onExpiry() }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
