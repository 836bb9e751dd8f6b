import CarIR
import CarJSON

/// A validated built-in rule (agent-ir-spec.md, "Built-in policy rules"). Building one from a
/// `PolicyDefinition` is where missing parameters are caught, so evaluation never has to guess.
enum PolicyRule: Sendable, Hashable {
    /// Deny any action calling `tool`.
    case denyTool(tool: String)
    /// Deny a call to `tool` whose parameter `key`, string-coerced, contains `pattern` (as UTF-8
    /// bytes, like the reference).
    case denyToolParam(tool: String, key: String, pattern: String)
    /// Deny any action unless `state[key]` equals `value`.
    case requireState(key: String, value: JSONValue)

    static let ruleNames = "deny_tool, deny_tool_param or require_state"

    init(_ definition: PolicyDefinition) throws(PolicyError) {
        // An empty string is as good as missing: an empty target names no tool, and an empty
        // pattern would be a substring of everything.
        func present(_ text: String?) -> String? {
            guard let text, !text.isEmpty else { return nil }
            return text
        }
        switch definition.rule {
        case "deny_tool":
            guard let tool = present(definition.target) else { throw PolicyError("deny_tool requires 'target'") }
            self = .denyTool(tool: tool)
        case "deny_tool_param":
            guard let tool = present(definition.target), let key = present(definition.key), let pattern = present(definition.pattern) else {
                throw PolicyError("deny_tool_param requires 'target', 'key' and 'pattern'")
            }
            self = .denyToolParam(tool: tool, key: key, pattern: pattern)
        case "require_state":
            guard let key = present(definition.key), let value = definition.value else {
                throw PolicyError("require_state requires 'key' and 'value'")
            }
            self = .requireState(key: key, value: value)
        default:
            throw PolicyError("unknown policy rule '\(definition.rule)' (expected \(PolicyRule.ruleNames))")
        }
    }

    /// Why this rule refuses the action, or nil when it allows it.
    func violation(for action: Action, state lookup: (String) -> JSONValue?) -> String? {
        switch self {
        case .denyTool(let tool):
            guard action.tool == tool else { return nil }
            return "tool '\(tool)' is denied"
        case .denyToolParam(let tool, let key, let pattern):
            // An absent parameter cannot carry the pattern, so it is never a violation.
            guard action.tool == tool, let parameter = action.parameters[key],
                  JSONText.containsBytes(JSONText.coerced(parameter), pattern) else { return nil }
            return "param '\(key)' matches denied pattern '\(pattern)'"
        case .requireState(let key, let required):
            let actual = lookup(key)
            if let actual, PolicyRule.satisfies(actual, required) { return nil }
            return "state '\(key)' must equal \(JSONWriter.string(required)) (found \(actual.map(JSONWriter.string) ?? "nothing"))"
        }
    }

    /// The FFI form of `require_state` carries its value as JSON text (`'true'`), and a
    /// WebSocket client copying that convention sends the string `"true"`; both mean the
    /// boolean, so a string that parses as JSON is also compared as what it encodes.
    private static func satisfies(_ actual: JSONValue, _ required: JSONValue) -> Bool {
        if JSONText.equal(actual, required) { return true }
        if case .string(let text) = required, let decoded = try? JSONParser.parse(text) {
            return JSONText.equal(actual, decoded)
        }
        return false
    }

    /// One line for `policy.list`.
    var description: String {
        switch self {
        case .denyTool(let tool): "deny_tool: tool '\(tool)' may not be called"
        case .denyToolParam(let tool, let key, let pattern): "deny_tool_param: '\(tool)' may not be called with '\(key)' containing '\(pattern)'"
        case .requireState(let key, let value): "require_state: state '\(key)' must equal \(JSONWriter.string(value))"
        }
    }
}
