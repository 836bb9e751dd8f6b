/// A min-heap of values keyed by `Key`, ordered by a `UInt64` priority (ties in insertion
/// order), that can also remove any entry by key in O(log n). Timers and deadlines use it so a
/// cancelled or finished entry leaves at once instead of lingering until it would have fired.
public struct IndexedHeap<Key: Hashable, Value> {
    private struct Entry {
        var priority: UInt64
        var sequence: UInt64
        var key: Key
        var value: Value
        func precedes(_ other: Entry) -> Bool {
            priority != other.priority ? priority < other.priority : sequence < other.sequence
        }
    }

    private var entries: [Entry] = []
    private var positions: [Key: Int] = [:]
    private var nextSequence: UInt64 = 0

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    /// The smallest priority, if any.
    public var minPriority: UInt64? { entries.first?.priority }

    public func contains(_ key: Key) -> Bool { positions[key] != nil }

    /// Adds `value` under `key`; a key already present is replaced.
    public mutating func insert(_ key: Key, priority: UInt64, _ value: Value) {
        if positions[key] != nil { _ = remove(key) }
        entries.append(Entry(priority: priority, sequence: nextSequence, key: key, value: value))
        nextSequence &+= 1
        positions[key] = entries.count - 1
        siftUp(entries.count - 1)
    }

    /// Removes the entry under `key` and returns its value; nil when absent.
    @discardableResult
    public mutating func remove(_ key: Key) -> Value? {
        guard let position = positions.removeValue(forKey: key) else { return nil }
        let removed = entries[position].value
        let last = entries.removeLast()
        if position < entries.count {
            entries[position] = last
            positions[last.key] = position
            siftDown(siftUp(position))
        }
        return removed
    }

    /// Removes and returns the entry with the smallest priority when it is at most `limit`.
    public mutating func popMin(ifAtMost limit: UInt64) -> (key: Key, value: Value)? {
        guard let first = entries.first, first.priority <= limit else { return nil }
        _ = remove(first.key)
        return (first.key, first.value)
    }

    public mutating func removeAll() {
        entries.removeAll()
        positions.removeAll()
    }

    @discardableResult
    private mutating func siftUp(_ start: Int) -> Int {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            swapEntries(child, parent)
            child = parent
        }
        return child
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < entries.count else { return }
            var smallest = left
            if left + 1 < entries.count, entries[left + 1].precedes(entries[left]) { smallest = left + 1 }
            guard entries[smallest].precedes(entries[parent]) else { return }
            swapEntries(smallest, parent)
            parent = smallest
        }
    }

    private mutating func swapEntries(_ a: Int, _ b: Int) {
        entries.swapAt(a, b)
        positions[entries[a].key] = a
        positions[entries[b].key] = b
    }
}
