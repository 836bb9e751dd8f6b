import CarJSON

/// How the client wants a send answered.
public struct A2ASendConfiguration: Sendable, Hashable {
    public var acceptedOutputModes: [String]
    /// Messages of history the reply keeps (newest); nil keeps them all.
    public var historyLength: Int?
    /// Answer once the task is working instead of when it ends (1.0 `returnImmediately`,
    /// 0.3 `blocking: false`).
    public var returnImmediately: Bool

    public init(acceptedOutputModes: [String] = [], historyLength: Int? = nil, returnImmediately: Bool = false) {
        self.acceptedOutputModes = acceptedOutputModes
        self.historyLength = historyLength
        self.returnImmediately = returnImmediately
    }
}

/// SendMessage / SendStreamingMessage (`message/send`, `message/stream`).
public struct A2ASendRequest: Sendable, Hashable {
    public var message: A2AMessage
    public var configuration: A2ASendConfiguration
    public var metadata: [String: JSONValue]?

    public init(message: A2AMessage, configuration: A2ASendConfiguration = .init(), metadata: [String: JSONValue]? = nil) {
        self.message = message
        self.configuration = configuration
        self.metadata = metadata
    }
}

/// GetTask (`tasks/get`).
public struct A2AGetTaskRequest: Sendable, Hashable {
    public var id: String
    public var historyLength: Int?

    public init(id: String, historyLength: Int? = nil) {
        self.id = id
        self.historyLength = historyLength
    }
}

/// ListTasks: filters, one page's position and size, and how much of each task to show.
public struct A2ATaskQuery: Sendable, Hashable {
    public static let defaultPageSize = 50
    public static let pageSizes = 1...100

    public var contextID: String?
    public var state: A2ATaskState?
    public var pageSize: Int
    /// The `nextPageToken` of the page before; nil or empty for the first page.
    public var pageToken: String?
    public var historyLength: Int?
    /// Only tasks whose status changed at or after this instant (microseconds).
    public var statusTimestampAfter: Int64?
    public var includeArtifacts: Bool
    /// Only the tasks of this peer (the dispatcher sets it for a peer's ListTasks); nil: all.
    public var owner: String?

    public init(contextID: String? = nil, state: A2ATaskState? = nil, pageSize: Int = A2ATaskQuery.defaultPageSize,
                pageToken: String? = nil, historyLength: Int? = nil, statusTimestampAfter: Int64? = nil,
                includeArtifacts: Bool = false) {
        self.contextID = contextID
        self.state = state
        self.pageSize = pageSize
        self.pageToken = pageToken
        self.historyLength = historyLength
        self.statusTimestampAfter = statusTimestampAfter
        self.includeArtifacts = includeArtifacts
    }

    public func matches(_ task: A2ATask) -> Bool {
        if let owner, task.owner != owner { return false }
        if let contextID, task.contextID != contextID { return false }
        if let state, task.status.state != state { return false }
        if let statusTimestampAfter {
            guard let timestamp = task.status.timestamp, timestamp >= statusTimestampAfter else { return false }
        }
        return true
    }
}

/// One page of ListTasks.
public struct A2ATaskPage: Sendable, Hashable {
    public var tasks: [A2ATask]
    /// Where the next page starts; "" on the last page (the member is always sent).
    public var nextPageToken: String
    public var pageSize: Int
    /// Tasks matching the filters, on every page.
    public var totalSize: Int

    public init(tasks: [A2ATask], nextPageToken: String, pageSize: Int, totalSize: Int) {
        self.tasks = tasks
        self.nextPageToken = nextPageToken
        self.pageSize = pageSize
        self.totalSize = totalSize
    }
}
