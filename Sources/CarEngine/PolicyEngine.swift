import CarIR
import CarJSON
import Foundation
import Synchronization

/// The guardrails every action passes before it may have an effect: global policies, plus those
/// of the policy session a proposal names (`session.policy.open`). Registration appends without
/// de-duplicating, so one name can cover several policies; `unregister` removes them all.
public final class PolicyEngine: Sendable {
    private struct Entry: Sendable {
        let name: String
        let rule: PolicyRule
    }

    private struct Registry: Sendable {
        var global: [Entry] = []
        var sessions: [String: [Entry]] = [:]

        func entries(_ scope: PolicyScope) throws(PolicyError) -> [Entry] {
            switch scope {
            case .global: return global
            case .session(let id):
                guard let entries = sessions[id] else { throw .unknownSession(id) }
                return entries
            }
        }

        mutating func modify<T>(_ scope: PolicyScope, _ body: (inout [Entry]) -> T) throws(PolicyError) -> T {
            switch scope {
            case .global:
                return body(&global)
            case .session(let id):
                guard sessions[id] != nil else { throw .unknownSession(id) }
                return body(&sessions[id]!)
            }
        }
    }

    private let registry = Mutex(Registry())

    public init() {}

    public func register(_ policy: PolicyDefinition, scope: PolicyScope) throws(PolicyError) {
        guard !policy.name.isEmpty else { throw PolicyError("policy requires a non-empty 'name'") }
        let entry = Entry(name: policy.name, rule: try PolicyRule(policy))
        try registry.withLock { (registry) throws(PolicyError) in
            try registry.modify(scope) { $0.append(entry) }
        }
    }

    /// Removes every policy registered under `name` in that scope; returns how many went.
    @discardableResult
    public func unregister(name: String, scope: PolicyScope) throws(PolicyError) -> Int {
        try registry.withLock { (registry) throws(PolicyError) in
            try registry.modify(scope) { entries in
                let before = entries.count
                entries.removeAll { $0.name == name }
                return before - entries.count
            }
        }
    }

    /// What is in force in that scope, in registration order.
    public func list(scope: PolicyScope) throws(PolicyError) -> [PolicySummary] {
        let entries = try registry.withLock { (registry) throws(PolicyError) in try registry.entries(scope) }
        return entries.map { PolicySummary(name: $0.name, description: $0.rule.description) }
    }

    /// Opens a policy session and returns its opaque id.
    public func openSession() -> String {
        let id = "psess-" + UUID().uuidString.lowercased()
        registry.withLock { $0.sessions[id] = [] }
        return id
    }

    /// Drops the session and every policy scoped to it; false if it was not open.
    @discardableResult
    public func closeSession(_ id: String) -> Bool {
        registry.withLock { $0.sessions.removeValue(forKey: id) != nil }
    }

    public func hasSession(_ id: String) -> Bool {
        registry.withLock { $0.sessions[id] != nil }
    }

    /// Every violation of `action` under the global policies and, when `session` is given, that
    /// session's. All policies are consulted (not just up to the first refusal) so the event log
    /// explains every reason an action was stopped.
    public func check(_ action: Action, state: [String: JSONValue], session: String?) -> [PolicyViolation] {
        check(action, session: session) { state[$0] }
    }

    /// The same check against live state, read key by key instead of from a snapshot.
    public func check(_ action: Action, session: String?, state lookup: (String) -> JSONValue?) -> [PolicyViolation] {
        let (global, scoped) = registry.withLock { registry in
            (registry.global, session.map { registry.sessions[$0] })
        }
        var violations: [PolicyViolation] = []
        for entry in global + (scoped.flatMap { $0 } ?? []) {
            if let reason = entry.rule.violation(for: action, state: lookup) {
                violations.append(PolicyViolation(policyName: entry.name, actionID: action.id, reason: reason))
            }
        }
        // A session closed while its proposal runs took its policies with it; running on under
        // the global ones alone would quietly loosen the rules the caller asked for.
        if let session, case .some(.none) = scoped {
            violations.append(PolicyViolation(policyName: "session:\(session)", actionID: action.id,
                                              reason: "policy session '\(session)' is not open"))
        }
        return violations
    }
}
