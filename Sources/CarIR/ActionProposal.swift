import CarJSON

/// A batch of actions submitted in one verify-then-execute round (agent-ir-spec.md,
/// "ActionProposal").
public struct ActionProposal: Sendable, Hashable {
    public var id: String
    public var source: String
    public var timestamp: String?
    public var actions: [Action]
    /// Passed through to the event log; never interpreted.
    public var context: JSONValue?

    public init(id: String, source: String = "unknown", timestamp: String? = nil, actions: [Action], context: JSONValue? = nil) {
        self.id = id
        self.source = source
        self.timestamp = timestamp
        self.actions = actions
        self.context = context
    }
}

/// Why a proposal could not be read. The message names the JSON path of the offending field,
/// so a client can find it in what it sent.
public struct ProposalError: Error, Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "invalid proposal: \(path): \(problem)" }
}
