/// Turns a `DecodingError` into the -32602 message, naming the offending field by its path
/// in the params (`proposal.actions[0].id`), since that is what a client author needs.
public enum DecodingErrorDescription {
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "invalid params: missing required field '\(path(context.codingPath + [key]))'"
        case .valueNotFound(let type, let context):
            return "invalid params: field '\(path(context.codingPath))' must not be null (expected \(jsonType(type)))"
        case .typeMismatch(let type, let context):
            return "invalid params: field '\(path(context.codingPath))' must be \(article(jsonType(type)))"
        case .dataCorrupted(let context):
            return "invalid params: field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            return "invalid params"
        }
    }

    public static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            // Array positions are the only keys with an integer value: generated CodingKeys are strings.
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                if !text.isEmpty { text += "." }
                text += key.stringValue
            }
        }
        return text.isEmpty ? "params" : text
    }

    public static func jsonType(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "string"
        case is Bool.Type: "boolean"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt.Type, is UInt64.Type, is UInt32.Type: "integer"
        case is Double.Type, is Float.Type: "number"
        case is any Collection.Type: String(describing: type).hasPrefix("Dictionary") ? "object" : "array"
        default: "object"
        }
    }

    private static func article(_ name: String) -> String {
        name == "integer" || name == "object" || name == "array" ? "an \(name)" : "a \(name)"
    }
}
