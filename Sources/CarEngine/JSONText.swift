import CarJSON

/// The two ways the runtime turns JSON into text or compares it, kept in one place so policies,
/// interpolation, preconditions and event filters agree.
enum JSONText {
    /// A string as itself, anything else as compact JSON: what `deny_tool_param` matches
    /// against ("string-coerced value") and what an embedded `$id.output` becomes.
    static func coerced(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return JSONWriter.string(value)
    }

    /// Equality as JSON means it: `1` and `1.0` are the same number. `JSONValue`'s own `==`
    /// keeps integers and doubles apart, which would make `{"operator":"eq","value":1}` fail
    /// against a tool that reported `1.0`.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double):
            return lhs.doubleValue! == rhs.doubleValue!
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let other = b[key], equal(value, other) else { return false }
            }
            return true
        default:
            return lhs == rhs
        }
    }
}
