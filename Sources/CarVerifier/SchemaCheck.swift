import CarIR
import CarJSON

/// Tool existence and the shallow parameter check against registered schemas: `required`
/// names, and each top-level property's declared `type`. Nested schemas, enums, formats and
/// ranges are deliberately not checked, as in the reference.
struct SchemaCheck {
    /// By name; a later registration of the same name replaces an earlier one.
    private let registry: [String: ToolSchema]?

    init(tools: [ToolSchema]?) {
        registry = tools.map { tools in
            var byName: [String: ToolSchema] = [:]
            byName.reserveCapacity(tools.count)
            for tool in tools { byName[tool.name] = tool }
            return byName
        }
    }

    var hasRegistry: Bool { registry != nil }

    /// A `tool_call` that names no tool is malformed whether or not a registry was supplied.
    func existenceIssue(_ action: Action) -> VerifyIssue? {
        guard action.kind == .toolCall else { return nil }
        guard let tool = action.tool else {
            return VerifyIssue(actionID: action.id, severity: .error, message: "tool_call action has no tool specified")
        }
        guard let registry, registry[tool] == nil else { return nil }
        return VerifyIssue(actionID: action.id, severity: .error, message: "tool '\(tool)' is not registered")
    }

    func isRegistered(_ tool: String) -> Bool {
        registry?[tool] != nil
    }

    func parameterIssues(_ action: Action, into issues: inout [VerifyIssue]) -> Int {
        guard action.kind == .toolCall, let name = action.tool, let tool = registry?[name],
              case .object(let schema) = tool.parameters else { return 0 }
        var found = 0
        if case .array(let required)? = schema["required"] {
            for case .string(let parameter) in required where action.parameters[parameter] == nil {
                issues.append(VerifyIssue(actionID: action.id, severity: .error, message: "tool '\(name)': missing required parameter '\(parameter)'"))
                found += 1
            }
        }
        if case .object(let properties)? = schema["properties"] {
            for parameter in ReferenceText.sortedKeys(action.parameters) {
                guard case .object(let property)? = properties[parameter], let declared = property["type"] else { continue }
                let types: [String]
                switch declared {
                case .string(let type): types = [type]
                case .array(let list): types = list.compactMap(\.stringValue)
                default: continue
                }
                let value = action.parameters[parameter]!
                guard !types.contains(where: { Self.value(value, matches: $0) }) else { continue }
                let message = "tool '\(name)': parameter '\(parameter)' has wrong type: expected \(types.joined(separator: "|")), got \(Self.kind(of: value))"
                issues.append(VerifyIssue(actionID: action.id, severity: .error, message: message))
                found += 1
            }
        }
        return found
    }

    /// Unknown type names match anything: a schema the checker does not understand is not
    /// evidence against the call.
    private static func value(_ value: JSONValue, matches type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("array", .array), ("object", .object), ("null", .null): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        case ("integer", .double(let number)): number.isFinite && number.rounded(.towardZero) == number
        case ("string", _), ("boolean", _), ("array", _), ("object", _), ("null", _), ("number", _), ("integer", _): false
        default: true
        }
    }

    /// The reference names every number "number", integral or not.
    private static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
