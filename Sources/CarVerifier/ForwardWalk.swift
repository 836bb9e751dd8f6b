import CarIR
import CarJSON

/// The STRIPS-style walk over the execution layers: each action's preconditions and state
/// dependencies are checked against the state so far, then its declared effects are applied.
///
/// `verify` and `simulate` differ only in what they do with an action that cannot run
/// (agent-ir-spec.md, "verify and simulate treat blocked actions differently"): `verify` applies
/// its effects anyway so one defect is reported once rather than as a cascade, `simulate` drops
/// them as the executor would.
struct ForwardWalk {
    enum BlockedEffects { case apply, skip }

    private(set) var state: [String: JSONValue]
    private(set) var preconditionIssues = 0
    private(set) var dependencyIssues = 0
    private(set) var issues: [VerifyIssue] = []

    init(initialState: [String: JSONValue]) {
        state = initialState
    }

    mutating func run(_ actions: [Action], order: ActionGraph, blocked: BlockedEffects, reportIssues: Bool) {
        for level in order.levels {
            for index in level {
                step(actions, index, blocked: blocked, reportIssues: reportIssues)
            }
        }
    }

    private mutating func step(_ actions: [Action], _ index: Int, blocked: BlockedEffects, reportIssues: Bool) {
        var runnable = true
        for precondition in actions[index].preconditions {
            guard let failure = PreconditionEvaluator.failure(of: precondition, in: state) else { continue }
            runnable = false
            if reportIssues {
                preconditionIssues += 1
                issues.append(VerifyIssue(actionID: actions[index].id, severity: .error, message: "precondition will fail: \(failure)"))
            }
        }
        for key in actions[index].stateDependencies where state[key] == nil {
            runnable = false
            if reportIssues {
                dependencyIssues += 1
                issues.append(VerifyIssue(actionID: actions[index].id, severity: .error, message: "state dependency '\(key)' not available at this point"))
            }
        }
        if runnable || blocked == .apply { apply(actions, index) }
    }

    /// A `state_write`'s own value lands first, so a declared effect on the same key wins.
    private mutating func apply(_ actions: [Action], _ index: Int) {
        if let key = actions.stateWriteKey(at: index) {
            state[key] = actions[index].parameters["value"] ?? .null
        }
        for (key, value) in actions[index].expectedEffects {
            state[key] = value
        }
    }
}
