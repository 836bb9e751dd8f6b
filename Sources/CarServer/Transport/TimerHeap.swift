/// A pending timer; `cancel()` makes it a no-op (it is dropped when its deadline comes).
final class LoopTimer {
    fileprivate var work: (() -> Void)?
    fileprivate init(_ work: @escaping () -> Void) { self.work = work }
    func cancel() { work = nil }
}

/// Timers of one event loop, a binary min-heap on deadline (ties in scheduling order), so
/// thousands of closing connections each holding a timer stay cheap.
struct TimerHeap {
    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        var timer: LoopTimer
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    var nextDeadline: UInt64? { entries.first?.deadline }
    var count: Int { entries.count }

    mutating func schedule(at deadline: UInt64, _ work: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(work)
        entries.append(Entry(deadline: deadline, sequence: nextSequence, timer: timer))
        nextSequence += 1
        siftUp(entries.count - 1)
        return timer
    }

    /// Removes and returns the work of every timer due at `now`, for the caller to run once
    /// the heap is no longer being mutated: a timer's work may schedule another timer.
    mutating func takeDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let first = entries.first, first.deadline <= now {
            if let work = first.timer.work { due.append(work) }
            first.timer.work = nil
            removeFirst()
        }
        return due
    }

    private mutating func removeFirst() {
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        siftDown(0)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            var smallest = left
            if left + 1 < entries.count, entries[left + 1].precedes(entries[left]) { smallest = left + 1 }
            guard entries[smallest].precedes(entries[parent]) else { return }
            entries.swapAt(smallest, parent)
            parent = smallest
        }
    }
}
