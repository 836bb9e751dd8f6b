import CarJSON

/// Reads one JSON object of a request, naming every problem by its path
/// (`message.parts[2].text`) as a -32602 error.
///
/// 1.0 params are proto JSON, read the way the SDK reads them: unknown members are ignored,
/// a member set to null counts as absent (but see `isNull`: a `google.protobuf.Value` member such
/// as a part's `data` holds null as a value), proto field names (`message_id`) are accepted beside
/// the JSON names (`messageId`), and integers may come as numbers or numeric strings. 0.3
/// params take only the JSON names.
struct A2AFields {
    let members: [String: JSONValue]
    let path: String
    let version: A2AProtocolVersion

    /// `value` must be an object; a missing value (nil or null) reads as an empty one.
    init(_ value: JSONValue?, path: String, version: A2AProtocolVersion) throws(A2AError) {
        switch value {
        case nil, .null?: members = [:]
        case .object(let members)?: self.members = members
        case let other?: throw .invalidParams(field: path, "expected an object, got \(other.typeName)")
        }
        self.path = path
        self.version = version
    }

    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> JSONValue? {
        if let value = members[key], value != .null { return value }
        if version == .v1_0, let value = members[Self.snakeCase(key)], value != .null { return value }
        return nil
    }

    func has(_ key: String) -> Bool { value(key) != nil }

    /// The member is there and is JSON null (under either spelling in 1.0). For the one field
    /// where null is a value and not "unset": a `google.protobuf.Value` (a part's `data`), which
    /// proto JSON parses from null as `null_value`.
    func isNull(_ key: String) -> Bool {
        if members[key] == .null { return true }
        return version == .v1_0 && members[Self.snakeCase(key)] == .null
    }

    func string(_ key: String) throws(A2AError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw .invalidParams(field: path(key), "expected a string, got \(value.typeName)") }
        return text
    }

    /// A string that must be there and not empty (proto's REQUIRED, as the SDK checks it).
    func requiredString(_ key: String) throws(A2AError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw .invalidParams(field: path(key), "Field is required.") }
        return text
    }

    /// An empty string reads as absent, as an unset proto3 string does.
    func optionalString(_ key: String) throws(A2AError) -> String? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        return text
    }

    func bool(_ key: String) throws(A2AError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw .invalidParams(field: path(key), "expected a boolean, got \(value.typeName)") }
        return flag
    }

    /// An int32 (proto JSON also writes them as strings).
    func int32(_ key: String) throws(A2AError) -> Int? {
        guard let value = value(key) else { return nil }
        let number: Int64?
        switch value {
        case .string(let text) where version == .v1_0: number = Int64(text)
        default: number = value.intValue
        }
        guard let number, number >= Int64(Int32.min), number <= Int64(Int32.max) else {
            throw .invalidParams(field: path(key), "expected a 32-bit integer, got \(value.typeName == "string" ? "a string that is not one" : value.typeName)")
        }
        return Int(number)
    }

    func object(_ key: String) throws(A2AError) -> A2AFields? {
        guard let value = value(key) else { return nil }
        return try A2AFields(value, path: path(key), version: version)
    }

    func array(_ key: String) throws(A2AError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value else { throw .invalidParams(field: path(key), "expected an array, got \(value.typeName)") }
        return elements
    }

    func strings(_ key: String) throws(A2AError) -> [String] {
        guard let elements = try array(key) else { return [] }
        var result: [String] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw .invalidParams(field: "\(path(key))[\(index)]", "expected a string, got \(element.typeName)")
            }
            result.append(text)
        }
        return result
    }

    /// A `google.protobuf.Struct` (0.3: a `dict`): an object or absent.
    func metadata(_ key: String) throws(A2AError) -> [String: JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .object(let members) = value else { throw .invalidParams(field: path(key), "expected an object, got \(value.typeName)") }
        return members
    }

    /// `historyLength`: never negative (the SDK's wording).
    func historyLength(_ key: String = "historyLength") throws(A2AError) -> Int? {
        guard let length = try int32(key) else { return nil }
        guard length >= 0 else { throw .invalidParams(field: path(key), "history length must be non-negative") }
        return length
    }

    static func snakeCase(_ key: String) -> String {
        var result = ""
        result.reserveCapacity(key.utf8.count + 4)
        for character in key {
            if character.isUppercase {
                result.append("_")
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}
