import CarJSON

/// A task's state with the agent's note about it and when it was set (microseconds since the
/// epoch; RFC 3339 with `Z` on the wire).
public struct A2ATaskStatus: Sendable, Hashable {
    public var state: A2ATaskState
    public var message: A2AMessage?
    public var timestamp: Int64?

    public init(state: A2ATaskState, message: A2AMessage? = nil, timestamp: Int64? = nil) {
        self.state = state
        self.message = message
        self.timestamp = timestamp
    }
}

/// Something a task produced: a tool's result, a document.
public struct A2AArtifact: Sendable, Hashable {
    public var artifactID: String
    public var name: String?
    public var description: String?
    public var parts: [A2APart]
    public var metadata: [String: JSONValue]?
    public var extensions: [String]

    public init(artifactID: String, name: String? = nil, description: String? = nil, parts: [A2APart],
                metadata: [String: JSONValue]? = nil, extensions: [String] = []) {
        self.artifactID = artifactID
        self.name = name
        self.description = description
        self.parts = parts
        self.metadata = metadata
        self.extensions = extensions
    }
}

/// The unit of work a message starts: its status, what it produced and the messages it holds.
public struct A2ATask: Sendable, Hashable {
    public var id: String
    public var contextID: String
    public var status: A2ATaskStatus
    public var artifacts: [A2AArtifact]
    public var history: [A2AMessage]
    public var metadata: [String: JSONValue]?
    /// The peer that started it (`A2ACaller.peer`); nil for the daemon's side. Kept by the
    /// stores, never on the wire.
    public var owner: String?

    public init(id: String, contextID: String, status: A2ATaskStatus, artifacts: [A2AArtifact] = [],
                history: [A2AMessage] = [], metadata: [String: JSONValue]? = nil, owner: String? = nil) {
        self.owner = owner
        self.id = id
        self.contextID = contextID
        self.status = status
        self.artifacts = artifacts
        self.history = history
        self.metadata = metadata
    }

    /// When the status last changed: the order ListTasks sorts by (a task without a timestamp
    /// sorts as the oldest).
    public var updatedAt: Int64 { status.timestamp ?? Int64.min }

    /// Bytes the task carries (its messages, artifacts, metadata; `A2AMessage.contentBytes`):
    /// what the stores' byte bound counts.
    public var contentBytes: Int {
        let messages = history.reduce(status.message?.contentBytes ?? 0) { $0 &+ $1.contentBytes }
        let artifacts = artifacts.reduce(0) { total, artifact in
            artifact.parts.reduce(total &+ A2AMessage.bytes(of: artifact.metadata)) { $0 &+ $1.contentBytes }
        }
        return messages &+ artifacts &+ A2AMessage.bytes(of: metadata)
    }

    /// The task as a reply shows it: history cut to its `historyLength` newest messages (0 drops
    /// it; nil keeps it whole), artifacts left out unless asked for.
    public func trimmed(historyLength: Int?, includeArtifacts: Bool = true) -> A2ATask {
        var copy = self
        if let historyLength, historyLength < copy.history.count {
            copy.history = Array(copy.history.suffix(max(0, historyLength)))
        }
        if !includeArtifacts { copy.artifacts = [] }
        return copy
    }
}
