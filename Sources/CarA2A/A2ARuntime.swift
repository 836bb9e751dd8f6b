import CarJSON

/// A tool the dispatcher's runtime offers: what the agent card lists as a skill and what a
/// `{tool, parameters}` data part may run.
public struct A2ATool: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The tool's JSON Schema for its parameters, when it has one.
    public var inputSchema: JSONValue?

    public init(name: String, description: String, inputSchema: JSONValue? = nil) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }
}

/// Which task a piece of work belongs to, for runtimes that route or log by it.
public struct A2AExecutionContext: Sendable, Equatable {
    public var taskID: String
    public var contextID: String
    /// Who sent the message: a runtime offers peers less than the daemon's side, and asks
    /// approvals on the caller's behalf, never letting it approve its own work.
    public var caller: A2ACaller

    public init(taskID: String, contextID: String, caller: A2ACaller) {
        self.taskID = taskID
        self.contextID = contextID
        self.caller = caller
    }
}

/// What executes the work A2A messages ask for: the daemon's built-in agent tools, a
/// session's registered tools (through its `tools.execute` callback), or an embedder's own.
///
/// Cancellation of the calling task is how `CancelTask` stops work: an implementation stops
/// promptly and throws `CancellationError` when its task is cancelled.
public protocol A2ARuntime: Sendable {
    /// The tools it offers now (the card reflects tools registered later).
    func tools() async -> [A2ATool]
    /// Runs `tool`; the result becomes the task's artifact. A thrown error fails the task
    /// with the error's description as the status message.
    func execute(tool: String, parameters: JSONValue, context: A2AExecutionContext) async throws -> JSONValue
    /// A conversational message (no tool data part): the reply text, or nil when this runtime
    /// does not converse, in which case the dispatcher acknowledges ("Acknowledged.").
    func converse(text: String, context: A2AExecutionContext) async throws -> String?
}
