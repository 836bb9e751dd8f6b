import CarCollections

/// The tasks a store holds in memory, bounded, in ListTasks order. Both stores keep one
/// (the log store's is the replay of its file).
///
/// Bound: at most `capacity` tasks, carrying at most `maxBytes` together (`A2ATask.contentBytes`).
/// A save past either evicts the finished tasks updated longest ago; when only live tasks
/// (submitted, working, waiting for input) are left to evict the save is refused, because
/// dropping a live task would lose work a client waits for.
///
/// Costs: a save is O(log n) for the eviction heap and the search, plus moves of the keys
/// updated after this one: the order is kept oldest first, so the usual save (a task just
/// updated becomes the newest) moves next to nothing. A page scans the order once, newest
/// first (filters and totalSize need every task anyway).
struct A2ATaskIndex {
    let capacity: Int
    let maxBytes: Int
    private(set) var tasks: [String: A2ATask] = [:]
    /// Each task's size as saved (`contentBytes`, or what the store says it takes: the log
    /// counts its lines), their sum, and the finished tasks' part of it (what eviction frees).
    private var sizes: [String: Int] = [:]
    private(set) var bytes = 0
    private var finishedBytes = 0
    /// Oldest status first (ListTasks reads it backwards); ties by id, ascending, so the order
    /// is total.
    private var order: [Key] = []
    /// Finished tasks by status time, the oldest first out.
    private var finished = IndexedHeap<String, Void>()

    struct Key: Equatable {
        var updatedAt: Int64
        var id: String

        /// Whether `self` is listed before `other`.
        func precedes(_ other: Key) -> Bool {
            updatedAt != other.updatedAt ? updatedAt > other.updatedAt : id > other.id
        }
    }

    init(capacity: Int, maxBytes: Int = InMemoryA2ATaskStore.defaultMaxBytes) {
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
    }

    var count: Int { tasks.count }

    /// Why `put(task)` would be refused, as far as can be told without evicting; nil when it
    /// would not.
    func refusal(_ task: A2ATask, size given: Int? = nil) -> A2AStoreError? {
        let size = given ?? task.contentBytes
        guard size <= maxBytes else { return .tooLarge(size, maxBytes) }
        let old = sizes[task.id] ?? 0
        let oldFinished = tasks[task.id].map { $0.status.state.isTerminal } ?? false
        // What evicting every other finished task would leave.
        let floor = bytes - old - (finishedBytes - (oldFinished ? old : 0))
        let evictable = finished.count - (oldFinished ? 1 : 0)
        let countFits = tasks[task.id] != nil || tasks.count < capacity || evictable > 0
        if !countFits { return .full(capacity) }
        return floor + size <= maxBytes ? nil : .fullOfBytes(maxBytes)
    }

    /// Stores the task; answers the ids evicted to make room. A refused save leaves the task
    /// as it was (finished tasks evicted on the way stay evicted, as a later save would).
    @discardableResult
    mutating func put(_ task: A2ATask, size given: Int? = nil, force: Bool = false) throws(A2AStoreError) -> [String] {
        let size = given ?? task.contentBytes
        guard size <= maxBytes else { throw .tooLarge(size, maxBytes) }
        let old = tasks[task.id]
        let oldSize = sizes[task.id]
        if let old { forget(old) }
        var evicted: [String] = []
        while tasks.count >= capacity || bytes + size > maxBytes {
            if let oldest = finished.popMin(ifAtMost: .max) {
                drop(oldest.key)
                evicted.append(oldest.key)
            } else if force, let oldest = order.first {
                // Replaying a log written under a larger bound: the oldest goes, live or not.
                drop(oldest.id)
                evicted.append(oldest.id)
            } else {
                // Only live tasks are left: nothing is lost, the one being saved is put back.
                if let old { remember(old, size: oldSize) }
                throw tasks.count >= capacity ? .full(capacity) : .fullOfBytes(maxBytes)
            }
        }
        remember(task, size: size)
        return evicted
    }

    /// The page the query asks for.
    func page(_ query: A2ATaskQuery) throws(A2AError) -> A2ATaskPage {
        let cursor = try query.pageToken.map { token throws(A2AError) in try A2APageToken.decode(token) }
        let after = cursor.map { Key(updatedAt: $0.updatedAt, id: $0.id) }
        let size = min(max(query.pageSize, A2ATaskQuery.pageSizes.lowerBound), A2ATaskQuery.pageSizes.upperBound)
        var total = 0
        var page: [A2ATask] = []
        var more = false
        for key in order.reversed() {
            guard let task = tasks[key.id], query.matches(task) else { continue }
            total += 1
            // The page starts after the cursor's task in ListTasks order.
            if let after, !after.precedes(key) { continue }
            if page.count < size { page.append(task) } else { more = true }
        }
        let next = more ? A2APageToken(updatedAt: page.last!.updatedAt, id: page.last!.id).encoded : ""
        return A2ATaskPage(tasks: page, nextPageToken: next, pageSize: size, totalSize: total)
    }

    private mutating func drop(_ id: String) {
        guard let task = tasks[id] else { return }
        forget(task)
    }

    /// Takes a task out of every part of the index.
    private mutating func forget(_ task: A2ATask) {
        tasks[task.id] = nil
        let size = sizes.removeValue(forKey: task.id) ?? 0
        bytes -= size
        if task.status.state.isTerminal { finishedBytes -= size }
        removeKey(Key(updatedAt: task.updatedAt, id: task.id))
        finished.remove(task.id)
    }

    private mutating func remember(_ task: A2ATask, size: Int? = nil) {
        let size = size ?? task.contentBytes
        tasks[task.id] = task
        sizes[task.id] = size
        bytes += size
        if task.status.state.isTerminal { finishedBytes += size }
        let key = Key(updatedAt: task.updatedAt, id: task.id)
        order.insert(key, at: position(of: key))
        if task.status.state.isTerminal { finished.insert(task.id, priority: Self.priority(task.updatedAt), ()) }
    }

    private mutating func removeKey(_ key: Key) {
        let index = position(of: key)
        if index < order.count, order[index] == key { order.remove(at: index) }
    }

    /// Where `key` is or would go: the first index whose key is not older than it.
    private func position(of key: Key) -> Int {
        var low = 0, high = order.count
        while low < high {
            let middle = (low + high) / 2
            if key.precedes(order[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Status times as heap priorities: the sign bit flipped keeps their order in UInt64.
    private static func priority(_ micros: Int64) -> UInt64 { UInt64(bitPattern: micros) ^ (1 << 63) }
}
