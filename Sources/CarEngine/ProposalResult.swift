import CarJSON

/// An action's lifecycle status (agent-ir-spec.md, "ProposalResult"). A finished proposal only
/// reports the last four.
public enum ActionStatus: String, Sendable, Hashable, CaseIterable {
    case proposed, validated, rejected, executing, succeeded, failed, skipped
}

/// How one action ended.
public struct ActionResult: Sendable, Hashable {
    public var actionID: String
    public var status: ActionStatus
    public var output: JSONValue
    public var error: String?
    /// The state keys this action wrote, with the values written (as the caller's tenant sees them).
    public var stateChanges: [String: JSONValue]
    public var durationMs: Double
    /// When the action finished, RFC 3339 UTC.
    public var timestamp: String

    public init(actionID: String, status: ActionStatus, output: JSONValue = .null, error: String? = nil,
                stateChanges: [String: JSONValue] = [:], durationMs: Double = 0, timestamp: String) {
        self.actionID = actionID
        self.status = status
        self.output = output
        self.error = error
        self.stateChanges = stateChanges
        self.durationMs = durationMs
        self.timestamp = timestamp
    }

    public var json: JSONValue {
        [
            "action_id": .string(actionID),
            "status": .string(status.rawValue),
            "output": output,
            "error": error.map(JSONValue.string) ?? .null,
            "state_changes": .object(stateChanges),
            "duration_ms": .double(durationMs),
            "timestamp": .string(timestamp),
        ]
    }
}

/// Post-execution accounting (agent-ir-spec.md, "CostSummary").
public struct CostSummary: Sendable, Hashable {
    /// Invocations of the tool invoker, retries included.
    public var toolCalls: Int
    /// Actions that ran: succeeded plus failed.
    public var actionsExecuted: Int
    /// Actions blocked before running (validator, dependency, precondition or policy).
    public var actionsRejected: Int
    /// Actions never attempted because the proposal stopped first.
    public var actionsSkipped: Int
    /// Wall-clock time of the whole proposal.
    public var totalDurationMs: Double
    /// Re-invocations beyond each action's first attempt.
    public var retries: Int

    public init(toolCalls: Int = 0, actionsExecuted: Int = 0, actionsRejected: Int = 0, actionsSkipped: Int = 0,
                totalDurationMs: Double = 0, retries: Int = 0) {
        self.toolCalls = toolCalls
        self.actionsExecuted = actionsExecuted
        self.actionsRejected = actionsRejected
        self.actionsSkipped = actionsSkipped
        self.totalDurationMs = totalDurationMs
        self.retries = retries
    }

    public var json: JSONValue {
        [
            "tool_calls": .int(Int64(toolCalls)),
            "actions_executed": .int(Int64(actionsExecuted)),
            "actions_rejected": .int(Int64(actionsRejected)),
            "actions_skipped": .int(Int64(actionsSkipped)),
            "total_duration_ms": .double(totalDurationMs),
            "retries": .int(Int64(retries)),
        ]
    }
}

/// What `proposal.submit` returns: one result per action, in proposal order, and the cost.
public struct ProposalResult: Sendable, Hashable {
    public var proposalID: String
    public var results: [ActionResult]
    public var cost: CostSummary

    public init(proposalID: String, results: [ActionResult], cost: CostSummary) {
        self.proposalID = proposalID
        self.results = results
        self.cost = cost
    }

    public func result(for actionID: String) -> ActionResult? {
        results.first { $0.actionID == actionID }
    }

    public var json: JSONValue {
        ["proposal_id": .string(proposalID), "results": .array(results.map(\.json)), "cost": cost.json]
    }
}
