import CarJSON

/// A standing goal of one chat session, as `goal.status` returns it.
///
/// `status`: `active` (set, no verifier pass seen yet), `running` (a `goal_evaluated` event
/// arrived), `completed` (a `done` event), `failed` (an `error` event). A `running` state read
/// from disk at load reloads as `active` (the turn that was running died with the old
/// daemon); the `last_*` details are kept.
public struct ChatGoalState: Sendable, Hashable {
    public enum Status: String, Sendable, CaseIterable {
        case active, running, completed, failed
    }

    public var sessionID: String
    public var check: String
    public var maxIterations: Int
    public var status: Status
    public var lastIteration: Int?
    public var lastMet: Bool?
    public var lastGrounded: Bool?
    public var lastReason: String?
    /// `done` or `error`, once a terminal event arrived.
    public var terminalKind: String?
    public var terminalMessage: String?
    /// RFC 3339.
    public var updatedAt: String

    public init(sessionID: String, goal: ChatGoal, updatedAt: String = RFC3339.now()) {
        self.sessionID = sessionID
        self.check = goal.check
        self.maxIterations = goal.maxIterations
        self.status = .active
        self.updatedAt = updatedAt
    }

    public var goal: ChatGoal {
        // check and maxIterations were validated on the way in.
        ChatGoal(validatedCheck: check, maxIterations: maxIterations)
    }

    /// `{session_id, check, max_iterations, status, last_iteration?, last_met?, last_grounded?,
    /// last_reason?, terminal_kind?, terminal_message?, updated_at}`; absent optionals are omitted.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "session_id": .string(sessionID), "check": .string(check),
            "max_iterations": .int(Int64(maxIterations)), "status": .string(status.rawValue),
            "updated_at": .string(updatedAt),
        ]
        if let lastIteration { o["last_iteration"] = .int(Int64(lastIteration)) }
        if let lastMet { o["last_met"] = .bool(lastMet) }
        if let lastGrounded { o["last_grounded"] = .bool(lastGrounded) }
        if let lastReason { o["last_reason"] = .string(lastReason) }
        if let terminalKind { o["terminal_kind"] = .string(terminalKind) }
        if let terminalMessage { o["terminal_message"] = .string(terminalMessage) }
        return .object(o)
    }

    /// Reads one entry of the goals file; refuses anything `json` would not have written.
    public init(json: JSONValue) throws(ChatError) {
        guard case .object(let o) = json else { throw ChatError(.invalid, "a goal must be an object") }
        guard case .string(let sessionID)? = o["session_id"], !sessionID.isEmpty else {
            throw ChatError(.invalid, "a goal needs a session_id")
        }
        try ChatLimits.check(sessionID, "session_id", ChatLimits.idBytes)
        let goal = try ChatGoal(checkValue: o["check"], maxIterationsValue: o["max_iterations"], field: "goal")
        guard case .string(let statusText)? = o["status"], let status = Status(rawValue: statusText) else {
            throw ChatError(.invalid, "goal \(sessionID) has no valid status")
        }
        guard case .string(let updatedAt)? = o["updated_at"] else {
            throw ChatError(.invalid, "goal \(sessionID) has no updated_at")
        }
        self.init(sessionID: sessionID, goal: goal, updatedAt: updatedAt)
        self.status = status
        if case .int(let n)? = o["last_iteration"] { lastIteration = Int(clamping: n) }
        if case .bool(let b)? = o["last_met"] { lastMet = b }
        if case .bool(let b)? = o["last_grounded"] { lastGrounded = b }
        if case .string(let s)? = o["last_reason"] { lastReason = ChatLimits.truncated(s, ChatLimits.goalTextBytes) }
        if case .string(let s)? = o["terminal_kind"] { terminalKind = ChatLimits.truncated(s, 16) }
        if case .string(let s)? = o["terminal_message"] { terminalMessage = ChatLimits.truncated(s, ChatLimits.goalTextBytes) }
    }

    /// Applies a forwarded chat event. `goal_evaluated` reads `{iteration, met, grounded,
    /// reason}` from `delta` (members of other types are ignored) and sets `running`; `done`
    /// sets `completed`, `error` sets `failed`, both recording `terminal_kind` and
    /// `terminal_message` (the delta when a string, else its `message`, `text` or `error`
    /// member). Other kinds change nothing (false).
    public mutating func apply(kind: ChatEventKind, delta: JSONValue?, at now: String = RFC3339.now()) -> Bool {
        switch kind {
        case .goalEvaluated:
            status = .running
            if case .object(let d)? = Self.verdict(delta) {
                switch d["iteration"] {
                case .int(let n)?: lastIteration = Int(clamping: n)
                case .double(let x)? where x.isFinite && abs(x) < 1e15: lastIteration = Int(x)
                default: break
                }
                if case .bool(let b)? = d["met"] { lastMet = b }
                if case .bool(let b)? = d["grounded"] { lastGrounded = b }
                if case .string(let s)? = d["reason"] { lastReason = ChatLimits.truncated(s, ChatLimits.goalTextBytes) }
            }
        case .done, .error:
            status = kind == .done ? .completed : .failed
            terminalKind = kind.rawValue
            terminalMessage = Self.message(delta).map { ChatLimits.truncated($0, ChatLimits.goalTextBytes) }
        case .token, .toolCall, .approvalPending:
            return false
        }
        updatedAt = now
        return true
    }

    /// The verifier's `{iteration, met, grounded, reason}`: the delta itself, or the JSON text
    /// of one (the official Python client's `chat_event` can only send a string). Text past
    /// `verdictTextBytes` is not read.
    static func verdict(_ delta: JSONValue?) -> JSONValue? {
        guard case .string(let text)? = delta else { return delta }
        guard text.utf8.count <= ChatLimits.verdictTextBytes, text.utf8.first == UInt8(ascii: "{") else { return nil }
        return try? JSONParser.parse(Array(text.utf8))
    }

    static func message(_ delta: JSONValue?) -> String? {
        switch delta {
        case .string(let s)?: return s
        case .object(let o)?:
            for key in ["message", "text", "error"] {
                if case .string(let s)? = o[key] { return s }
            }
            return nil
        default: return nil
        }
    }
}

extension ChatGoal {
    init(validatedCheck check: String, maxIterations: Int) {
        self.check = check
        self.maxIterations = maxIterations
    }
}
