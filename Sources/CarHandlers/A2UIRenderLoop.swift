import CarA2UI
import CarJSON
import CarRPC

/// The UI-improvement loop: a renderer's report → the agent's decision → (through the
/// oscillation detector and the iteration budget) one patch applied on the common path.
extension A2UIHub {
    public enum Decision: String, Sendable {
        case none, patched, cooldown, budgetExhausted
    }

    /// Handles one report; answers the decision as the wire has it.
    func handle(_ report: A2UIRenderReport) throws(A2UIError) -> JSONValue {
        guard let surface = store.surface(report.surfaceID) else {
            throw A2UIError(.surfaceNotFound, "surface \(report.surfaceID) does not exist", path: "/surfaceId", surfaceID: report.surfaceID)
        }
        broadcast(kind: "a2ui.render_report", result: report.json)
        func answer(_ decision: Decision, _ extra: [String: JSONValue] = [:]) -> JSONValue {
            .object(extra.merging(["surfaceId": .string(report.surfaceID), "decision": .string(decision.rawValue)]) { $1 })
        }
        // A report about an older drawing says nothing about the surface as it is now.
        if let revision = report.revision, revision < surface.revision { return answer(.none, ["stale": true]) }
        recordOutcome(of: report, surface: surface)
        guard let patch = agent.decide(report, surface: surface) else { return answer(.none) }
        let now = RFC3339.nowMicros()
        guard detector.admit(patch, surfaceID: surface.id, now: now) else {
            return answer(.cooldown, ["strategy": .string(patch.strategy.rawValue)])
        }
        guard budget.take(surface.id) else {
            return answer(.budgetExhausted, ["strategy": .string(patch.strategy.rawValue)])
        }
        let applied = try apply(patch.envelope, owner: nil)
        if let revision = applied.result.surface?.revision {
            pending.withLock { $0[surface.id] = (revision, patch) }
        }
        remember(patch, surfaceID: surface.id, outcome: "patched")
        return answer(.patched, ["strategy": .string(patch.strategy.rawValue), "patch": patch.envelope, "applied": applied.json])
    }

    /// The first report drawn after a patch tells whether it fixed what it aimed at.
    private func recordOutcome(of report: A2UIRenderReport, surface: A2UISurface) {
        let due = pending.withLock { pending -> (revision: Int64, patch: UIImprovementAgent.Patch)? in
            guard let entry = pending[surface.id], (report.revision ?? surface.revision) >= entry.revision else { return nil }
            pending[surface.id] = nil
            return entry
        }
        guard let due else { return }
        let still = report.issues.contains { $0.componentID == due.patch.componentID && $0.kind == due.patch.issue }
        remember(due.patch, surfaceID: surface.id, outcome: still ? "unresolved" : "resolved")
    }

    private func remember(_ patch: UIImprovementAgent.Patch, surfaceID: String, outcome: String) {
        let body = "\(patch.strategy.rawValue) \(outcome) \(patch.issue.rawValue) on \(surfaceID)/\(patch.componentID)"
        // A full graph drops the outcome, never the patch.
        _ = try? outcomes.addFact(subject: "a2ui.strategy.\(patch.strategy.rawValue)", body: body, kind: "a2ui.outcome",
                                  tags: ["a2ui", patch.strategy.rawValue, outcome], source: "ui-improvement-loop")
    }
}
