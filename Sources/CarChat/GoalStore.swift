import CarFiles
import CarJSON
import Glibc
import Synchronization

/// Standing goals (`goal.set` / `goal.status` / `goal.clear`) by chat `session_id`, kept in one
/// JSON file (`$CAR_HOME/chat-goals.json`): `{"version": 1, "goals": [ChatGoalState...]}`.
/// Without a path (an embedder, a test) the goals live in memory only.
///
/// Blocking: `load`, `set`, `clear`, `clearAll`, `apply` and `persist` read or rewrite the file
/// synchronously (`FileSystem.writeAtomically`: temp file, fsync, rename) — call them on the
/// blocking pool, never on the event loop. `status`, `all` and `applyInMemory` only touch memory.
///
/// Every change updates memory under the lock, then writes the whole table; writes are
/// serialized and a write never replaces a newer one, so the file ends with the newest state.
/// A failed write throws `.storage` but keeps the change in memory (the next write carries it).
///
/// Bounds: at most `maxGoals` goals (a new `set` past it is refused with `.capacity`; replacing
/// an existing session's goal always works); the file is read up to `ChatLimits.goalsFileBytes`.
///
/// An unreadable file (bad JSON, wrong shape, over the size limit, unreadable) found by `load`
/// is renamed to `<path>.unreadable-<ms>` and the store starts empty; `loadReport` says where
/// it went. If it cannot be moved aside the store refuses every write (`.storage`) rather than
/// overwrite it. Entries over `maxGoals` at load are dropped (the newest `updated_at` kept).
public final class GoalStore: Sendable {
    public struct LoadReport: Sendable, Equatable {
        /// Goals loaded.
        public var loaded: Int = 0
        /// `running` statuses reloaded as `active`.
        public var reactivated: Int = 0
        /// Entries that did not decode (skipped) or were over the bound (dropped).
        public var skipped: Int = 0
        /// Where an unreadable file was moved, if one was.
        public var movedAside: String?
        /// Why the file was unreadable, or why writes are now refused.
        public var problem: String?
    }

    private struct Inner {
        var goals: [String: ChatGoalState] = [:]
        var generation: UInt64 = 0
        var readOnly: String?
    }

    public let path: String?
    public let maxGoals: Int
    private let state = Mutex(Inner())
    /// The generation last written; held while writing so writes are serialized.
    private let writer = Mutex<UInt64>(0)

    /// Moves the unreadable file aside (`rename`; a test seam).
    private let moveAside: @Sendable (String, String) -> Int32

    /// No I/O: call `load()` (on the blocking pool) before serving.
    public convenience init(path: String?, maxGoals: Int = ChatLimits.maxGoals) {
        self.init(path: path, maxGoals: maxGoals, moveAside: { Glibc.rename($0, $1) })
    }

    init(path: String?, maxGoals: Int, moveAside: @escaping @Sendable (String, String) -> Int32) {
        self.path = path
        self.maxGoals = max(1, maxGoals)
        self.moveAside = moveAside
    }

    /// Reads the file (blocking). A missing file is an empty store.
    @discardableResult
    public func load() -> LoadReport {
        var report = LoadReport()
        guard let path else { return report }
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readWhole(path, limit: ChatLimits.goalsFileBytes)
        } catch {
            if error.code == ENOENT { return report }
            return unreadable(&report, "\(error)")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes) } catch { return unreadable(&report, "not JSON: \(error)") }
        guard case .object(let o) = root, case .array(let entries)? = o["goals"] else {
            return unreadable(&report, "not a goals file (no goals array)")
        }
        var goals: [String: ChatGoalState] = [:]
        for entry in entries {
            guard var goal = try? ChatGoalState(json: entry) else { report.skipped += 1; continue }
            if goal.status == .running { goal.status = .active; report.reactivated += 1 }
            if goals[goal.sessionID] != nil { report.skipped += 1 }
            goals[goal.sessionID] = goal
        }
        if goals.count > maxGoals {
            let kept = goals.values.sorted { ($0.updatedAt, $0.sessionID) > ($1.updatedAt, $1.sessionID) }.prefix(maxGoals)
            report.skipped += goals.count - kept.count
            goals = Dictionary(uniqueKeysWithValues: kept.map { ($0.sessionID, $0) })
        }
        report.loaded = goals.count
        state.withLock { s in
            s.goals = goals
            s.generation += 1
        }
        return report
    }

    private func unreadable(_ report: inout LoadReport, _ problem: String) -> LoadReport {
        guard let path else { return report }
        report.problem = problem
        let aside = "\(path).unreadable-\(RFC3339.nowMicros() / 1000)"
        if moveAside(path, aside) == 0 {
            report.movedAside = aside
        } else {
            let why = "\(path) is unreadable (\(problem)) and could not be moved aside (errno \(errno)); goals will not be saved"
            report.problem = why
            state.withLock { $0.readOnly = why }
        }
        return report
    }

    /// Stores (or replaces) the session's standing goal with status `active` and no verifier
    /// details. Blocking (rewrites the file).
    @discardableResult
    public func set(sessionID: String, goal: ChatGoal, now: String = RFC3339.now()) throws(ChatError) -> ChatGoalState {
        guard !sessionID.isEmpty else { throw ChatError(.invalid, "session_id must be non-empty") }
        try ChatLimits.check(sessionID, "session_id", ChatLimits.idBytes)
        let goalState = ChatGoalState(sessionID: sessionID, goal: goal, updatedAt: now)
        try mutate { (goals: inout [String: ChatGoalState]) throws(ChatError) -> Bool in
            guard goals[sessionID] != nil || goals.count < maxGoals else {
                throw ChatError(.capacity, "the daemon holds the maximum of \(maxGoals) standing goals")
            }
            goals[sessionID] = goalState
            return true
        }
        return goalState
    }

    public func status(sessionID: String) -> ChatGoalState? {
        state.withLock { $0.goals[sessionID] }
    }

    /// Every goal, by session id.
    public func all() -> [ChatGoalState] {
        state.withLock { $0.goals.values.sorted { $0.sessionID < $1.sessionID } }
    }

    /// Removes one goal; false when there was none (no write then). Blocking.
    @discardableResult
    public func clear(sessionID: String) throws(ChatError) -> Bool {
        var removed = false
        try mutate { (goals: inout [String: ChatGoalState]) throws(ChatError) -> Bool in
            removed = goals.removeValue(forKey: sessionID) != nil
            return removed
        }
        return removed
    }

    /// Removes every goal; answers how many. Blocking.
    @discardableResult
    public func clearAll() throws(ChatError) -> Int {
        var count = 0
        try mutate { (goals: inout [String: ChatGoalState]) throws(ChatError) -> Bool in
            count = goals.count
            goals.removeAll()
            return count > 0
        }
        return count
    }

    /// Applies a forwarded chat event of the session (see `ChatGoalState.apply`); nil when the
    /// session has no standing goal or the kind does not touch goals (no write then). Blocking.
    @discardableResult
    public func apply(sessionID: String, kind: ChatEventKind, delta: JSONValue?,
                      now: String = RFC3339.now()) throws(ChatError) -> ChatGoalState? {
        var updated: ChatGoalState?
        try mutate { (goals: inout [String: ChatGoalState]) throws(ChatError) -> Bool in
            guard var goal = goals[sessionID], goal.apply(kind: kind, delta: delta, at: now) else { return false }
            goals[sessionID] = goal
            updated = goal
            return true
        }
        return updated
    }

    /// `apply` without the write, for the event relay, which must not block: the change is in
    /// memory (so `status` shows it at once) and `persist()` later writes it, together with any
    /// other change made meanwhile. Applied in the order the events arrive. Returns the
    /// updated goal; nil when the session has none or the kind does not touch goals.
    public func applyInMemory(sessionID: String, kind: ChatEventKind, delta: JSONValue?,
                              now: String = RFC3339.now()) -> ChatGoalState? {
        state.withLock { s in
            guard s.readOnly == nil, var goal = s.goals[sessionID], goal.apply(kind: kind, delta: delta, at: now) else { return nil }
            s.goals[sessionID] = goal
            s.generation += 1
            return goal
        }
    }

    /// Writes the table if it changed since the last write (after `applyInMemory`). Blocking.
    public func persist() throws(ChatError) {
        let snapshot: (UInt64, [ChatGoalState])? = state.withLock { s in
            guard s.readOnly == nil else { return nil }
            return (s.generation, s.goals.values.sorted { $0.sessionID < $1.sessionID })
        }
        guard let (generation, goals) = snapshot else { return }
        try write(generation, goals)
    }

    /// Runs `change` under the lock; when it reports a change, writes the table.
    private func mutate(_ change: (inout [String: ChatGoalState]) throws(ChatError) -> Bool) throws(ChatError) {
        let snapshot: Result<(UInt64, [ChatGoalState])?, ChatError> = state.withLock { s in
            if let readOnly = s.readOnly { return .failure(ChatError(.storage, readOnly)) }
            do throws(ChatError) {
                guard try change(&s.goals) else { return .success(nil) }
            } catch {
                return .failure(error)
            }
            s.generation += 1
            return .success((s.generation, s.goals.values.sorted { $0.sessionID < $1.sessionID }))
        }
        guard let (generation, goals) = try snapshot.get() else { return }
        try write(generation, goals)
    }

    /// Writes one snapshot unless a newer one was written already.
    private func write(_ generation: UInt64, _ goals: [ChatGoalState]) throws(ChatError) {
        guard let path else { return }
        let bytes = JSONWriter.bytes(.object(["version": .int(1), "goals": .array(goals.map(\.json))]))
        let failure: FileSystem.Failure? = writer.withLock { (written: inout UInt64) -> FileSystem.Failure? in
            guard generation > written else { return nil }
            do throws(FileSystem.Failure) {
                try FileSystem.writeAtomically(bytes, to: path, mode: 0o600)
            } catch {
                return error
            }
            written = generation
            return nil
        }
        if let failure { throw ChatError(.storage, "cannot save standing goals: \(failure)") }
    }
}
