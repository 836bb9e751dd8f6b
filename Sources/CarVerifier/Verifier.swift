import CarIR
import CarJSON

/// Static verification of a proposal: what the reference runtime's `verify` and `simulate`
/// report, computed without calling any tool.
public enum Verifier {
    /// Verifies `proposal` against `initialState`.
    /// - Parameters:
    ///   - tools: the registered tools. `nil` means no registry was supplied, so tool existence
    ///     (beyond "a tool is named") and parameter schemas are not checked; `[]` is an empty
    ///     registry, against which every tool is unknown.
    ///   - maxActions: more actions than this is a warning (the reference's default is 30).
    /// The rollback fields are not on `CarIR.Action` yet, so this entry treats every action as
    /// unclassified; `verify(json:…)` reads them from the proposal's JSON.
    public static func verify(
        _ proposal: ActionProposal, initialState: [String: JSONValue] = [:], tools: [ToolSchema]? = nil, maxActions: Int = 30
    ) -> VerificationReport {
        verify(proposal, rollback: nil, initialState: initialState, tools: tools, maxActions: maxActions)
    }

    /// As `verify(_:initialState:tools:maxActions:)`, with each action's rollback contract:
    /// `rollback[i]` belongs to `proposal.actions[i]` and the counts must match; `nil` treats
    /// every action as unclassified.
    public static func verify(
        _ proposal: ActionProposal, rollback: [RollbackClaim]?, initialState: [String: JSONValue] = [:],
        tools: [ToolSchema]? = nil, maxActions: Int = 30
    ) -> VerificationReport {
        let actions = proposal.actions
        let claims = rollback ?? Array(repeating: .unclassified, count: actions.count)
        precondition(claims.count == actions.count, "one rollback claim per action")
        let schemas = SchemaCheck(tools: tools)
        var findings = EvidenceBuilder.Findings()
        var issues: [VerifyIssue] = []

        if actions.count > maxActions {
            issues.append(VerifyIssue(actionID: actions[0].id, severity: .warning, message: "excessive actions: \(actions.count) (limit \(maxActions))"))
            findings.resourceBounds = 1
        }

        let loops = LoopDetection.issues(actions)
        findings.loops = loops.count
        issues += loops

        let order = ActionGraph(actions, honoringExplicitDependencies: false)
        var walk = ForwardWalk(initialState: initialState)
        walk.run(actions, order: order, blocked: .apply, reportIssues: true)
        findings.preconditions = walk.preconditionIssues
        findings.stateDependencies = walk.dependencyIssues
        issues += walk.issues

        let compensationRan = CompensationCheck.ran(claims: claims, hasRegistry: schemas.hasRegistry)
        let actionIDs = CompensationCheck.needsActionIDs(claims) ? Set(actions.map(\.id)) : []
        for index in actions.indices {
            let found = schemas.check(actions[index], into: &issues)
            findings.toolExistence += found.existence
            findings.parameterSchema += found.parameters
            if compensationRan, let issue = CompensationCheck.issue(for: actions[index], claim: claims[index], actionIDs: actionIDs, schemas: schemas) {
                issues.append(issue)
                findings.compensation += 1
            }
        }

        let (conflicts, conflictCount) = WriteConflicts.find(actions)
        findings.writeConflicts = conflictCount
        for conflict in conflicts {
            issues.append(VerifyIssue(actionID: conflict[0], severity: .warning,
                                      message: "write conflict on '\(conflict[2])' with action \(conflict[1]) (no dependency declared)"))
        }
        if conflictCount > conflicts.count, let last = conflicts.last {
            issues.append(VerifyIssue(actionID: last[0], severity: .warning,
                                      message: "\(conflictCount - conflicts.count) more write conflicts not listed (a report lists the first \(conflicts.count) of \(conflictCount))"))
        }

        let evidence = EvidenceBuilder(maxActions: maxActions, hasRegistry: schemas.hasRegistry, compensationRan: compensationRan, findings: findings)
            .build(actions: actions, issues: issues)
        return VerificationReport(
            valid: !issues.contains { $0.severity == .error },
            issues: issues,
            simulatedState: walk.state,
            executionLevels: order.levels.map { $0.map { actions[$0].id } },
            conflicts: conflicts,
            evidence: evidence
        )
    }

    /// The state the executor would leave behind if every dispatched tool did what it declared:
    /// an action whose preconditions fail or whose state dependencies are missing is rejected
    /// before dispatch, so its effects never land and its dependents may drop out in turn.
    public static func simulate(_ proposal: ActionProposal, initialState: [String: JSONValue] = [:]) -> [String: JSONValue] {
        var walk = ForwardWalk(initialState: initialState)
        walk.run(proposal.actions, order: ActionGraph(proposal.actions, honoringExplicitDependencies: false), blocked: .skip, reportIssues: false)
        return walk.state
    }
}
