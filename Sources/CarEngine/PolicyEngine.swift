import CarIR
import CarJSON
import Foundation
import Synchronization

/// The guardrails every action passes before it may have an effect: global policies, plus those
/// of the policy session a proposal names (`session.policy.open`). Registration appends without
/// de-duplicating, so one name can cover several policies; `unregister` removes them all.
/// Policies (count and bytes, over every scope) and open sessions are capped (`RuntimeCaps`).
public final class PolicyEngine: Sendable {
    private struct Entry: Sendable {
        let name: String
        let rule: PolicyRule
        let bytes: Int
    }

    private struct Registry: Sendable {
        var global: [Entry] = []
        var sessions: [String: [Entry]] = [:]
        var count = 0
        var bytes = 0

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
    public let maxPolicies: Int
    public let maxBytes: Int
    public let maxSessions: Int

    public init(maxPolicies: Int = RuntimeCaps().maxPolicies, maxBytes: Int = RuntimeCaps().maxPolicyBytes,
                maxSessions: Int = RuntimeCaps().maxPolicySessions) {
        self.maxPolicies = max(0, maxPolicies)
        self.maxBytes = max(0, maxBytes)
        self.maxSessions = max(0, maxSessions)
    }

    public func register(_ policy: PolicyDefinition, scope: PolicyScope) throws(PolicyError) {
        guard !policy.name.isEmpty else { throw PolicyError("policy requires a non-empty 'name'") }
        let entry = Entry(name: policy.name, rule: try PolicyRule(policy), bytes: Self.bytes(of: policy))
        let (maxPolicies, maxBytes) = (self.maxPolicies, self.maxBytes)
        try registry.withLock { (registry) throws(PolicyError) in
            if registry.count >= maxPolicies {
                throw PolicyError("policy.register: this connection may hold at most \(maxPolicies) policies across all scopes")
            }
            if registry.bytes + entry.bytes > maxBytes {
                throw PolicyError("policy.register: this connection's policies may take at most \(maxBytes) bytes "
                                  + "(\(registry.bytes) used; this one needs \(entry.bytes))")
            }
            try registry.modify(scope) { $0.append(entry) }
            registry.count += 1
            registry.bytes += entry.bytes
        }
    }

    static func bytes(of policy: PolicyDefinition) -> Int {
        policy.name.utf8.count + policy.rule.utf8.count + (policy.target?.utf8.count ?? 0) + (policy.key?.utf8.count ?? 0)
            + (policy.pattern?.utf8.count ?? 0) + RuntimeCaps.bytes(policy.value)
    }

    /// Removes every policy registered under `name` in that scope; returns how many went.
    @discardableResult
    public func unregister(name: String, scope: PolicyScope) throws(PolicyError) -> Int {
        try registry.withLock { (registry) throws(PolicyError) in
            let removed = try registry.modify(scope) { entries in
                let gone = entries.filter { $0.name == name }
                entries.removeAll { $0.name == name }
                return (count: gone.count, bytes: gone.reduce(0) { $0 + $1.bytes })
            }
            registry.count -= removed.count
            registry.bytes -= removed.bytes
            return removed.count
        }
    }

    /// What is in force in that scope, in registration order.
    public func list(scope: PolicyScope) throws(PolicyError) -> [PolicySummary] {
        let entries = try registry.withLock { (registry) throws(PolicyError) in try registry.entries(scope) }
        return entries.map { PolicySummary(name: $0.name, description: $0.rule.description) }
    }

    /// Opens a policy session and returns its opaque id.
    public func openSession() throws(PolicyError) -> String {
        let id = "psess-" + UUID().uuidString.lowercased()
        let maxSessions = self.maxSessions
        try registry.withLock { (registry) throws(PolicyError) in
            guard registry.sessions.count < maxSessions else {
                throw PolicyError("session.policy.open: this connection may have at most \(maxSessions) policy sessions open; close one first")
            }
            registry.sessions[id] = []
        }
        return id
    }

    /// Drops the session and every policy scoped to it; false if it was not open.
    @discardableResult
    public func closeSession(_ id: String) -> Bool {
        registry.withLock { registry in
            guard let entries = registry.sessions.removeValue(forKey: id) else { return false }
            registry.count -= entries.count
            registry.bytes -= entries.reduce(0) { $0 + $1.bytes }
            return true
        }
    }

    /// Policies held across all scopes, and their bytes.
    public var policyCount: Int { registry.withLock { $0.count } }
    public var policyBytes: Int { registry.withLock { $0.bytes } }

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
