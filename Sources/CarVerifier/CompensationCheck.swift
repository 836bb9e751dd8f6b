import CarIR

/// Does each declared compensation resolve, and does every `compensable` action declare one?
/// A compensation tool can only be checked against a registry; an `action_ref` and a missing
/// compensation can always be checked, which is when the check counts as having run.
enum CompensationCheck {
    static func ran(claims: [RollbackClaim], hasRegistry: Bool) -> Bool {
        hasRegistry || claims.contains { claim in
            switch claim.compensation {
            case .actionRef?: true
            case .tool?: false
            case nil: claim.reversibility == .compensable
            }
        }
    }

    /// Only an `action_ref` needs the proposal's ids; building that set is otherwise wasted.
    static func needsActionIDs(_ claims: [RollbackClaim]) -> Bool {
        claims.contains { if case .actionRef? = $0.compensation { true } else { false } }
    }

    static func issue(for action: Action, claim: RollbackClaim, actionIDs: Set<String>, schemas: SchemaCheck) -> VerifyIssue? {
        switch claim.compensation {
        case nil:
            guard claim.reversibility == .compensable else { return nil }
            return VerifyIssue(actionID: action.id, severity: .error, message: "action declares reversibility 'compensable' but no compensation")
        case .tool(let tool, _)?:
            guard schemas.hasRegistry, !schemas.isRegistered(tool) else { return nil }
            return VerifyIssue(actionID: action.id, severity: .error, message: "compensation names tool '\(tool)', which is not registered")
        case .actionRef(let id)?:
            guard !actionIDs.contains(id) else { return nil }
            return VerifyIssue(actionID: action.id, severity: .error, message: "compensation references action '\(id)', which is not in this proposal")
        }
    }
}
