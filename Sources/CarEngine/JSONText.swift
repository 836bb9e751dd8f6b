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

    /// Whether `text` contains `pattern` as a run of UTF-8 bytes, as the reference's
    /// `str::contains` decides. `String.contains` compares grapheme clusters, so a pattern
    /// followed in the text by a combining accent (`rm` in `rm\u{301}`) would not match, and a
    /// decomposed spelling would match a composed one. Knuth–Morris–Pratt, so a long pattern
    /// against a long value stays linear: both are client input.
    static func containsBytes(_ text: String, _ pattern: String) -> Bool {
        let needle = Array(pattern.utf8)
        guard !needle.isEmpty else { return true }
        var border = [Int](repeating: 0, count: needle.count)
        var length = 0
        for index in 1..<needle.count {
            while length > 0 && needle[index] != needle[length] { length = border[length - 1] }
            if needle[index] == needle[length] { length += 1 }
            border[index] = length
        }
        var matched = 0
        for byte in text.utf8 {
            while matched > 0 && byte != needle[matched] { matched = border[matched - 1] }
            if byte == needle[matched] { matched += 1 }
            if matched == needle.count { return true }
        }
        return false
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
