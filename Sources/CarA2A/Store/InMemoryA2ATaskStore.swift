import Synchronization

/// Tasks in memory only (gone at exit), bounded as `A2ATaskIndex` describes: past `capacity`
/// tasks or `maxBytes` the least recently updated finished tasks are dropped; when only live
/// ones are left a save is refused.
public final class InMemoryA2ATaskStore: A2ATaskStore {
    public static let defaultCapacity = 10_000
    /// What the tasks held may carry together (`A2ATask.contentBytes`).
    public static let defaultMaxBytes = 256 << 20
    private let index: Mutex<A2ATaskIndex>

    public init(capacity: Int = InMemoryA2ATaskStore.defaultCapacity, maxBytes: Int = InMemoryA2ATaskStore.defaultMaxBytes) {
        index = Mutex(A2ATaskIndex(capacity: capacity, maxBytes: maxBytes))
    }

    public var count: Int { index.withLock { $0.count } }

    public func task(id: String) async throws -> A2ATask? {
        index.withLock { $0.tasks[id] }
    }

    public func save(_ task: A2ATask) async throws {
        try index.withLock { index throws(A2AStoreError) in _ = try index.put(task) }
    }

    public func list(_ query: A2ATaskQuery) async throws -> A2ATaskPage {
        try index.withLock { index throws(A2AError) in try index.page(query) }
    }
}
