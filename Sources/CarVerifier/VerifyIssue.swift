/// How bad a finding is. Any `error` makes the report invalid.
public enum Severity: String, Sendable, Hashable {
    case error, warning, info
}

/// How a finding was derived (agent-ir-spec.md, "tier"). Orthogonal to severity: a
/// `heuristic` finding can be an error and a `decision_procedure` one a warning.
public enum EvidenceTier: String, Sendable, Hashable {
    case decisionProcedure = "decision_procedure"
    case heuristic
    case sampled
}

/// One finding about one action, or about the whole proposal (`actionID == "proposal"`).
public struct VerifyIssue: Sendable, Hashable {
    public var actionID: String
    public var severity: Severity
    public var message: String
    public var tier: EvidenceTier

    public init(actionID: String, severity: Severity, message: String, tier: EvidenceTier = .decisionProcedure) {
        self.actionID = actionID
        self.severity = severity
        self.message = message
        self.tier = tier
    }
}
