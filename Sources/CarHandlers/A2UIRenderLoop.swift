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
        let strategy: [String: JSONValue] = ["strategy": .string(patch.strategy.rawValue)]
        guard detector.admits(patch, surfaceID: surface.id, now: now) else { return answer(.cooldown, strategy) }
        guard budget.take(surface.id) else { return answer(.budgetExhausted, strategy) }
        let applied: Applied
        do {
            // Onto the revision the agent decided on: a change made meanwhile is never undone.
            applied = try apply(patch.envelope, owner: nil, expecting: surface.version)
        } catch {
            budget.refund(surface.id)
            return answer(.none, strategy.merging(["patchRefused": error.json]) { $1 })
        }
        detector.record(patch, surfaceID: surface.id)
        if let revision = applied.result.surface?.revision {
            pending.withLock { $0[surface.id] = PendingOutcome(revision: revision, strategy: patch.strategy, componentID: patch.componentID, issue: patch.issue) }
        }
        remember(patch.strategy, patch.issue, outcome: "patched", on: "\(surface.id)/\(patch.componentID)")
        return answer(.patched, strategy.merging(["patch": patch.envelope, "applied": applied.json]) { $1 })
    }

    /// The first report drawn after a patch tells whether it fixed what it aimed at.
    private func recordOutcome(of report: A2UIRenderReport, surface: A2UISurface) {
        let due = pending.withLock { pending -> PendingOutcome? in
            guard let entry = pending[surface.id], (report.revision ?? surface.revision) >= entry.revision else { return nil }
            pending[surface.id] = nil
            return entry
        }
        guard let due else { return }
        let still = report.issues.contains { $0.componentID == due.componentID && $0.kind == due.issue }
        remember(due.strategy, due.issue, outcome: still ? "unresolved" : "resolved", on: "\(surface.id)/\(due.componentID)")
    }

    /// One fact per (strategy, outcome), replaced in place with its running count, so the
    /// loop's record in the shared graph stays a handful of facts however long it runs.
    private func remember(_ strategy: UIImprovementAgent.Strategy, _ issue: A2UIRenderReport.IssueKind, outcome: String, on target: String) {
        let count = outcomeCounts.withLock { counts -> Int in
            let key = "\(strategy.rawValue).\(outcome)"
            counts[key, default: 0] &+= 1
            return counts[key]!
        }
        let body = "\(strategy.rawValue) \(outcome) \(count) time(s); the last: \(issue.rawValue) on \(target.prefix(200))"
        // A full graph drops the outcome, never the patch.
        _ = try? outcomes.insertFact(subject: "a2ui.strategy.\(strategy.rawValue)", body: body, kind: "a2ui.outcome",
                                     id: "a2ui-outcome-\(strategy.rawValue)-\(outcome)",
                                     tags: ["a2ui", strategy.rawValue, outcome], source: "ui-improvement-loop")
    }
}

/// A patch whose effect the next report will tell.
struct PendingOutcome: Sendable {
    let revision: Int64
    let strategy: UIImprovementAgent.Strategy
    let componentID: String
    let issue: A2UIRenderReport.IssueKind
}
