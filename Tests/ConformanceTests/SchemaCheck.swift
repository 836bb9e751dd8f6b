import CarRPC

/// Just enough JSON Schema (draft 2020-12) to check the daemon's real results against the MCP
/// tools' output schemas, as the official Python SDK does with `jsonschema` before a client
/// sees them. It refuses keywords it does not know, so a schema that starts using one fails
/// here rather than being waved through.
struct SchemaCheck {
    /// Keywords that constrain a value, and the annotations that do not.
    static let known: Set = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "minimum", "maximum", "maxLength", "$ref", "$defs",
        "description", "title", "default", "deprecated", "format",
    ]

    let root: JSONValue

    /// Every problem, each naming where in the value it is; empty when the value conforms.
    func problems(_ value: JSONValue) -> [String] {
        problems(value, root, path: "$")
    }

    private func problems(_ value: JSONValue, _ schema: JSONValue, path: String) -> [String] {
        guard case .object(let keywords) = schema else {
            return schema == .bool(false) ? ["\(path): no value is allowed here"] : []
        }
        var found = keywords.keys.filter { !Self.known.contains($0) }.map { "\(path): unknown schema keyword '\($0)'" }
        if let ref = keywords["$ref"]?.stringValue {
            guard ref.hasPrefix("#/$defs/"), let target = root["$defs"]?[String(ref.dropFirst(8))] else {
                return found + ["\(path): $ref \(ref) does not resolve within the schema"]
            }
            found += problems(value, target, path: path)
        }
        if let type = keywords["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            if !allowed.contains(where: { Self.matches(value, $0) }) {
                return found + ["\(path): \(value.typeName) is not \(allowed.joined(separator: " or "))"]
            }
        }
        if let values = keywords["enum"]?.arrayValue, !values.contains(value) {
            found.append("\(path): \(value) is not one of \(values)")
        }
        if let number = value.doubleValue {
            if let minimum = keywords["minimum"]?.doubleValue, number < minimum { found.append("\(path): \(number) < \(minimum)") }
            if let maximum = keywords["maximum"]?.doubleValue, number > maximum { found.append("\(path): \(number) > \(maximum)") }
        }
        if let text = value.stringValue, let limit = keywords["maxLength"]?.intValue, text.unicodeScalars.count > limit {
            found.append("\(path): longer than \(limit)")
        }
        if case .array(let items) = value, let itemSchema = keywords["items"] {
            for (index, item) in items.enumerated() { found += problems(item, itemSchema, path: "\(path)[\(index)]") }
        }
        if case .object(let members) = value {
            let properties = keywords["properties"]?.objectValue ?? [:]
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append("\(path): required member '\(name)' is missing")
            }
            for (name, member) in members {
                if let property = properties[name] {
                    found += problems(member, property, path: "\(path).\(name)")
                } else if let additional = keywords["additionalProperties"] {
                    found += problems(member, additional, path: "\(path).\(name)")
                }
            }
        }
        return found
    }

    /// JSON Schema's types: an integer is any number with no fractional part (2.0 counts).
    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double): true
        case ("integer", .int): true
        case ("integer", .double(let number)): number.rounded() == number
        default: false
        }
    }
}
