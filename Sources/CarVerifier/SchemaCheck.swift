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

    func isRegistered(_ tool: String) -> Bool {
        registry?[tool] != nil
    }

    /// Checks one action, appending its findings; returns how many each check made. A
    /// `tool_call` that names no tool is malformed whether or not a registry was supplied.
    func check(_ action: Action, into issues: inout [VerifyIssue]) -> (existence: Int, parameters: Int) {
        guard action.kind == .toolCall else { return (0, 0) }
        guard let name = action.tool else {
            issues.append(VerifyIssue(actionID: action.id, severity: .error, message: "tool_call action has no tool specified"))
            return (1, 0)
        }
        guard let registry else { return (0, 0) }
        guard let tool = registry[name] else {
            issues.append(VerifyIssue(actionID: action.id, severity: .error, message: "tool '\(name)' is not registered"))
            return (1, 0)
        }
        return (0, parameterIssues(action, tool: name, schema: tool.parameters, into: &issues))
    }

    private func parameterIssues(_ action: Action, tool name: String, schema: JSONValue, into issues: inout [VerifyIssue]) -> Int {
        guard case .object(let schema) = schema else { return 0 }
        var found = 0
        if case .array(let required)? = schema["required"] {
            for case .string(let parameter) in required where action.parameters[parameter] == nil {
                issues.append(VerifyIssue(actionID: action.id, severity: .error, message: "tool '\(name)': missing required parameter '\(parameter)'"))
                found += 1
            }
        }
        guard case .object(let properties)? = schema["properties"] else { return found }
        var mistyped: [String] = []
        for (parameter, value) in action.parameters {
            guard case .object(let property)? = properties[parameter], let declared = property["type"] else { continue }
            switch declared {
            case .string(let type):
                guard !Self.value(value, matches: type) else { continue }
                mistyped.append(Self.mistyped(name, parameter, expected: type, value))
            case .array(let list):
                let types = list.compactMap(\.stringValue)
                guard !types.contains(where: { Self.value(value, matches: $0) }) else { continue }
                mistyped.append(Self.mistyped(name, parameter, expected: types.joined(separator: "|"), value))
            default:
                continue
            }
        }
        // The reference lists these in hash order; byte order of the messages is our stable choice.
        for message in mistyped.sorted(by: ReferenceText.precedesInByteOrder) {
            issues.append(VerifyIssue(actionID: action.id, severity: .error, message: message))
        }
        return found + mistyped.count
    }

    private static func mistyped(_ tool: String, _ parameter: String, expected: String, _ value: JSONValue) -> String {
        "tool '\(tool)': parameter '\(parameter)' has wrong type: expected \(expected), got \(kind(of: value))"
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
