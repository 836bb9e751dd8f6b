import CarJSON

/// One unit of agent intent (agent-ir-spec.md, "Action"). Built from the JSON a client sent by
/// `ActionProposal(json:)`; defaults are the spec's stable defaults.
public struct Action: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case toolCall = "tool_call"
        case stateWrite = "state_write"
        case stateRead = "state_read"
        case assertion
    }

    public enum FailureBehavior: String, Sendable, Hashable, CaseIterable {
        case abort, retry, skip
    }

    public var id: String
    public var kind: Kind
    public var tool: String?
    public var parameters: [String: JSONValue]
    public var preconditions: [Precondition]
    public var expectedEffects: [String: JSONValue]
    /// State keys this action reads: the IR's own ordering edges.
    public var stateDependencies: [String]
    /// Action ids this action must wait for. Not in the IR spec, but the official examples
    /// send it and mean exactly this, so the executor honours it as an ordering edge.
    public var dependencies: [String]
    public var idempotent: Bool
    public var maxRetries: UInt32
    public var failureBehavior: FailureBehavior
    public var timeoutMs: UInt64?
    public var metadata: [String: JSONValue]

    public init(
        id: String, kind: Kind, tool: String? = nil, parameters: [String: JSONValue] = [:],
        preconditions: [Precondition] = [], expectedEffects: [String: JSONValue] = [:],
        stateDependencies: [String] = [], dependencies: [String] = [], idempotent: Bool = false,
        maxRetries: UInt32 = 3, failureBehavior: FailureBehavior = .abort, timeoutMs: UInt64? = nil,
        metadata: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.kind = kind
        self.tool = tool
        self.parameters = parameters
        self.preconditions = preconditions
        self.expectedEffects = expectedEffects
        self.stateDependencies = stateDependencies
        self.dependencies = dependencies
        self.idempotent = idempotent
        self.maxRetries = maxRetries
        self.failureBehavior = failureBehavior
        self.timeoutMs = timeoutMs
        self.metadata = metadata
    }
}

/// A state predicate that must hold before an action runs (agent-ir-spec.md, "Precondition").
public struct Precondition: Sendable, Hashable {
    public var key: String
    /// Kept as written: unknown operators are not a parse error, they fail the check
    /// ("older runtimes treat unknown operators as failed checks").
    public var op: String
    public var value: JSONValue
    public var description: String

    public init(key: String, op: String = "eq", value: JSONValue = .null, description: String = "") {
        self.key = key
        self.op = op
        self.value = value
        self.description = description
    }
}
