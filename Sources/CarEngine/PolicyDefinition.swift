import CarJSON

/// A policy as a client registers it (`policy.register`, `session.init`): a name, one of the
/// built-in rule types, and that rule's parameters.
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

    /// Reads `{name, rule, target?, key?, pattern?, value?}`; other members (such as
    /// `session_id`, which the caller turns into a `PolicyScope`) are ignored. `null` counts as
    /// absent, except for `value`, where `null` is a value `require_state` can demand.
    public init(json: JSONValue) throws(PolicyError) {
        guard let object = json.objectValue else { throw PolicyError("policy definition must be an object") }
        func string(_ key: String) throws(PolicyError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw PolicyError("policy '\(key)' must be a string, not \(other.typeName)")
            }
        }
        guard let name = try string("name") else { throw PolicyError("policy requires a 'name'") }
        guard let rule = try string("rule") else { throw PolicyError("policy requires a 'rule'") }
        self.init(name: name, rule: rule, target: try string("target"), key: try string("key"),
                  pattern: try string("pattern"), value: object["value"])
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
