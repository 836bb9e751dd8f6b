import Synchronization

/// Tasks in memory only (gone at exit), bounded as `A2ATaskIndex` describes: past `capacity`
/// the least recently updated finished task is dropped; when all are live a new one is refused.
public final class InMemoryA2ATaskStore: A2ATaskStore {
    public static let defaultCapacity = 10_000
    private let index: Mutex<A2ATaskIndex>

    public init(capacity: Int = InMemoryA2ATaskStore.defaultCapacity) {
        index = Mutex(A2ATaskIndex(capacity: capacity))
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
