/// Where tasks live between requests. The dispatcher saves every version of a task it makes
/// (submitted, working, the end) and awaits each save before it answers or streams it.
///
/// An implementation never blocks the caller's thread (callers are on an event loop): file
/// work goes to a blocking pool and is awaited. It may throw an `A2AError` (an invalid page
/// token is -32602) or any other error, which the dispatcher reports as -32603 with its text.
public protocol A2ATaskStore: Sendable {
    func task(id: String) async throws -> A2ATask?
    /// Stores this version of the task, replacing the one before (same id).
    func save(_ task: A2ATask) async throws
    /// Tasks matching the query, newest status first, one page; whole (the dispatcher trims
    /// history and artifacts).
    func list(_ query: A2ATaskQuery) async throws -> A2ATaskPage
}

/// A store that cannot take a task.
public struct A2AStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    static func fullOfBytes(_ maxBytes: Int) -> A2AStoreError {
        A2AStoreError("the task store is full: its tasks carry \(maxBytes) bytes and none has finished; "
                      + "try again when a task completes, fails or is canceled")
    }

    static func tooLarge(_ size: Int, _ maxBytes: Int) -> A2AStoreError {
        A2AStoreError("the task carries \(size) bytes, more than the store holds (\(maxBytes))")
    }

    static func full(_ capacity: Int) -> A2AStoreError {
        A2AStoreError("the task store is full: it holds \(capacity) tasks and none has finished; "
                      + "try again when a task completes, fails or is canceled")
    }
}
