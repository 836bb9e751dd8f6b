import CarJSON

/// The validated params of `goal.set {session_id, goal?: {check, max_iterations?}, check?, max_iterations?}`:
/// `goal` is preferred; the top-level `check` / `max_iterations` are the convenience form.
public struct GoalSetRequest: Sendable, Hashable {
    public var sessionID: String
    public var goal: ChatGoal

    /// From typed members: `goal` as the caller sent it (JSON), else `check` / `max_iterations`.
    public init(sessionID: String, goal: JSONValue?, check: String?, maxIterations: Double?) throws(ChatError) {
        var params: [String: JSONValue] = ["session_id": .string(sessionID)]
        if let goal { params["goal"] = goal }
        if let check { params["check"] = .string(check) }
        if let maxIterations { params["max_iterations"] = .double(maxIterations) }
        try self.init(params: .object(params))
    }

    public init(params: JSONValue) throws(ChatError) {
        guard case .object(let p) = params else { throw ChatError(.invalid, "params must be an object") }
        guard case .string(let sessionID)? = p["session_id"], !sessionID.isEmpty else {
            throw ChatError(.invalid, "session_id must be a non-empty string")
        }
        try ChatLimits.check(sessionID, "session_id", ChatLimits.idBytes)
        self.sessionID = sessionID
        switch p["goal"] {
        case nil, .null?:
            self.goal = try ChatGoal(checkValue: p["check"], maxIterationsValue: p["max_iterations"], field: "goal")
        case let goal?:
            self.goal = try ChatGoal(json: goal)
        }
    }
}
