import CarJSON

/// A policy as a client registers it (`policy.register`, `session.init`): a name, one of the
/// built-in rule types, and that rule's parameters. The wire shape is read by the spec's
/// generated types; the handlers map those to this.
public struct PolicyDefinition: Sendable, Hashable {
    public var name: String
    /// `deny_tool`, `deny_tool_param` or `require_state`.
    public var rule: String
    public var target: String?
    public var key: String?
    public var pattern: String?
    public var value: JSONValue?

    public init(name: String, rule: String, target: String? = nil, key: String? = nil, pattern: String? = nil, value: JSONValue? = nil) {
        self.name = name
        self.rule = rule
        self.target = target
        self.key = key
        self.pattern = pattern
        self.value = value
    }
}

/// One policy's refusal of one action (agent-ir-spec.md, "Policy violations").
public struct PolicyViolation: Sendable, Hashable {
    public var policyName: String
    public var actionID: String
    public var reason: String

    public init(policyName: String, actionID: String, reason: String) {
        self.policyName = policyName
        self.actionID = actionID
        self.reason = reason
    }

    public var json: JSONValue {
        ["policy_name": .string(policyName), "action_id": .string(actionID), "reason": .string(reason)]
    }
}

/// Where a policy lives: on the whole runtime, or in one policy session opened by
/// `session.policy.open` (layered on top of the global ones).
public enum PolicyScope: Sendable, Hashable {
    case global
    case session(String)

    /// `"global"` or `{"session_id": id}`, the shape `policy.register`/`unregister`/`list` return.
    public var json: JSONValue {
        switch self {
        case .global: "global"
        case .session(let id): ["session_id": .string(id)]
        }
    }
}

/// What `policy.list` reports for one policy.
public struct PolicySummary: Sendable, Hashable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

/// A policy request the engine refuses; the message is meant for the client as is.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func unknownSession(_ id: String) -> PolicyError {
        PolicyError("unknown policy session '\(id)'")
    }
}
