import CarJSON

/// A change of a task's status, as a stream reports it.
public struct A2AStatusUpdate: Sendable, Hashable {
    public var taskID: String
    public var contextID: String
    public var status: A2ATaskStatus
    public var metadata: [String: JSONValue]?

    public init(taskID: String, contextID: String, status: A2ATaskStatus, metadata: [String: JSONValue]? = nil) {
        self.taskID = taskID
        self.contextID = contextID
        self.status = status
        self.metadata = metadata
    }
}

/// An artifact (or a chunk of one) a task produced, as a stream reports it.
public struct A2AArtifactUpdate: Sendable, Hashable {
    public var taskID: String
    public var contextID: String
    public var artifact: A2AArtifact
    /// This chunk extends the artifact of the same id sent before.
    public var append: Bool
    public var lastChunk: Bool
    public var metadata: [String: JSONValue]?

    public init(taskID: String, contextID: String, artifact: A2AArtifact, append: Bool = false, lastChunk: Bool = false,
                metadata: [String: JSONValue]? = nil) {
        self.taskID = taskID
        self.contextID = contextID
        self.artifact = artifact
        self.append = append
        self.lastChunk = lastChunk
        self.metadata = metadata
    }
}

/// One event of a stream (1.0 `StreamResponse`; 0.3's `kind` says which).
public enum A2AUpdate: Sendable, Hashable {
    case task(A2ATask)
    case message(A2AMessage)
    case status(A2AStatusUpdate)
    case artifact(A2AArtifactUpdate)

    /// Whether a stream closes after this event: a message, or a task or status at a terminal
    /// or interrupted state (0.3 marks that event `final`).
    public var endsStream: Bool {
        switch self {
        case .message: true
        case .task(let task): task.status.state.endsInteraction
        case .status(let update): update.status.state.endsInteraction
        case .artifact: false
        }
    }
}

/// What SendMessage answers: the task it made (or continued), or a direct message.
public enum A2ASendResult: Sendable, Hashable {
    case task(A2ATask)
    case message(A2AMessage)
}
