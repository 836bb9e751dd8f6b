import CarJSON
import Synchronization

/// Sits between the agent's patches and the store: a patch that puts a component back into a
/// state it held before a recent patch (A → B → A), or repeats a recent patch because the
/// change did not stick, cools the surface down instead of being applied. Controllers back off;
/// the agent itself stays stateless.
public final class OscillationDetector: Sendable {
    public let cooldownMicros: Int64
    /// Recent patches remembered per surface.
    public let memory: Int
    private let state = Mutex(State())

    private struct State {
        var recent: [String: [(component: String, before: String, after: String)]] = [:]
        var cooledUntil: [String: Int64] = [:]
    }

    public init(cooldownSeconds: Int64 = 60, memory: Int = 8) {
        self.cooldownMicros = cooldownSeconds &* 1_000_000
        self.memory = memory
    }

    /// Whether the surface is cooling down at `now`.
    public func isCooling(_ surfaceID: String, now: Int64) -> Bool {
        state.withLock { ($0.cooledUntil[surfaceID] ?? 0) > now }
    }

    /// Whether the patch may be applied: false when the surface is cooling down, or when the
    /// patch would cycle (which starts a cooldown). Remembers nothing: `record` does, once the
    /// patch landed, so a patch the store refused never counts as a recent one.
    public func admits(_ patch: UIImprovementAgent.Patch, surfaceID: String, now: Int64) -> Bool {
        let before = Self.fingerprint(patch.before), after = Self.fingerprint(patch.after)
        let cooldown = cooldownMicros
        return state.withLock { state in
            if (state.cooledUntil[surfaceID] ?? 0) > now { return false }
            let recent = state.recent[surfaceID] ?? []
            let cycles = recent.contains { $0.component == patch.componentID && ($0.before == after || ($0.before == before && $0.after == after)) }
            if cycles { state.cooledUntil[surfaceID] = now &+ cooldown }
            return !cycles
        }
    }

    /// Remembers a patch that was applied (the last `memory` per surface).
    public func record(_ patch: UIImprovementAgent.Patch, surfaceID: String) {
        let before = Self.fingerprint(patch.before), after = Self.fingerprint(patch.after)
        let memory = memory
        state.withLock { state in
            state.recent[surfaceID, default: []].append((patch.componentID, before, after))
            if state.recent[surfaceID]!.count > memory { state.recent[surfaceID]!.removeFirst() }
        }
    }

    /// `admits`, then `record` when it does: for callers that apply unconditionally.
    public func admit(_ patch: UIImprovementAgent.Patch, surfaceID: String, now: Int64) -> Bool {
        guard admits(patch, surfaceID: surfaceID, now: now) else { return false }
        record(patch, surfaceID: surfaceID)
        return true
    }

    /// Forgets a surface (deleted or reaped).
    public func forget(_ surfaceID: String) {
        state.withLock { state in
            state.recent[surfaceID] = nil
            state.cooledUntil[surfaceID] = nil
        }
    }

    /// A canonical encoding (sorted keys), so equal components compare equal.
    static func fingerprint(_ component: [String: JSONValue]) -> String {
        JSONWriter.string(.object(component))
    }
}
