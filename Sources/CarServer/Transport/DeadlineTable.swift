import CarCollections
import CarIO
import Synchronization

/// Deadlines for many pending things with one timer: each entry records when it expires and
/// what to do then, and the table keeps a single event-loop timer armed for the earliest
/// deadline; when it fires, the expired entries run and the timer re-arms for the next.
/// Entries sit on an indexed heap, so adding, finishing and expiring one are each O(log n),
/// which is what lets every request and every server→client call carry a deadline.
final class DeadlineTable: Sendable {
    typealias Token = UInt64

    private struct Table {
        var nextToken: Token = 1
        var entries = IndexedHeap<Token, @Sendable () -> Void>()
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
    /// However long `after` is, the deadline saturates rather than wrapping.
    func add(after: Duration, _ onExpiry: @escaping @Sendable () -> Void) -> Token? {
        let deadline = SaturatingTime.deadline(after: after)
        return table.withLock { table -> Token? in
            guard !table.closed else { return nil }
            let token = table.nextToken
            table.nextToken += 1
            table.entries.insert(token, priority: deadline, onExpiry)
            if table.armed.map({ deadline < $0.deadline }) ?? true { arm(deadline, in: &table) }
            return token
        }
    }

    /// Removes the entry; true when it was still pending (its deadline had not fired). The
    /// armed timer is left for the next deadline check, which re-arms for what remains.
    @discardableResult
    func finish(_ token: Token) -> Bool {
        table.withLock { table -> Bool in
            guard table.entries.remove(token) != nil else { return false }
            if table.entries.isEmpty {
                table.armed?.timer.cancel()
                table.armed = nil
            }
            return true
        }
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
        let due = table.withLock { table -> [@Sendable () -> Void] in
            table.armed = nil
            var due: [@Sendable () -> Void] = []
            while let (_, work) = table.entries.popMin(ifAtMost: now) { due.append(work) }
            if let next = table.entries.minPriority, !table.closed { arm(next, in: &table) }
            return due
        }
        for work in due { work() }
    }
}
