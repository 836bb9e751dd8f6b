import CarCollections

/// A pending timer; `cancel()` removes it from its loop's heap at once (loop thread only).
final class LoopTimer {
    fileprivate let id: UInt64
    fileprivate weak var heap: TimerHeap?
    fileprivate init(id: UInt64, heap: TimerHeap) {
        self.id = id
        self.heap = heap
    }
    func cancel() {
        heap?.cancel(id)
        heap = nil
    }
}

/// Timers of one event loop, on an indexed min-heap: scheduling, cancelling and firing are
/// O(log n), and a cancelled timer leaves the heap when it is cancelled, so a connection that
/// re-arms its timer thousands of times holds one entry, not thousands. Loop-confined.
final class TimerHeap {
    private var heap = IndexedHeap<UInt64, () -> Void>()
    private var nextID: UInt64 = 0

    var nextDeadline: UInt64? { heap.minPriority }
    var count: Int { heap.count }

    func schedule(at deadline: UInt64, _ work: @escaping () -> Void) -> LoopTimer {
        nextID &+= 1
        heap.insert(nextID, priority: deadline, work)
        return LoopTimer(id: nextID, heap: self)
    }

    fileprivate func cancel(_ id: UInt64) {
        heap.remove(id)
    }

    /// Removes and returns the work of every timer due at `now`, for the caller to run once
    /// the heap is no longer being mutated: a timer's work may schedule another timer.
    func takeDue(now: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        while let (_, work) = heap.popMin(ifAtMost: now) { due.append(work) }
        return due
    }
}
