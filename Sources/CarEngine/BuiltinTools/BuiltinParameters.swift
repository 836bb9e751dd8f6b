import CarJSON

/// A built-in tool call's `parameters`, read member by member with errors that name the member.
struct BuiltinParameters {
    let members: [String: JSONValue]

    init(_ value: JSONValue) throws(BuiltinToolError) {
        switch value {
        case .object(let members): self.members = members
        case .null: self.members = [:]
        default: throw BuiltinToolError("parameters must be an object, not \(value.typeName)")
        }
    }

    func string(_ name: String) throws(BuiltinToolError) -> String {
        guard let value = try optionalString(name) else { throw BuiltinToolError("missing string parameter '\(name)'") }
        return value
    }

    func optionalString(_ name: String) throws(BuiltinToolError) -> String? {
        switch members[name] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw BuiltinToolError("parameter '\(name)' must be a string, not \(other.typeName)")
        }
    }

    func bool(_ name: String) throws(BuiltinToolError) -> Bool {
        switch members[name] {
        case nil, .null?: return false
        case .bool(let flag)?: return flag
        case let other?: throw BuiltinToolError("parameter '\(name)' must be a boolean, not \(other.typeName)")
        }
    }

    /// A non-negative integer (a whole double such as 10.0 is accepted too).
    func count(_ name: String) throws(BuiltinToolError) -> Int? {
        switch members[name] {
        case nil, .null?: return nil
        case .int(let number)? where number >= 0: return Int(clamping: number)
        case .double(let number)? where number >= 0 && number == number.rounded() && number < 9e18: return Int(number)
        case let other?: throw BuiltinToolError("parameter '\(name)' must be a non-negative integer, not \(JSONWriter.string(other))")
        }
    }
}
