import CarJSON

/// Decides one precondition against a known state, with the reference's rules and wording.
///
/// The rules that are easy to get wrong:
/// - A missing key fails every operator except `exists`/`not_exists`, before the operator is
///   even looked at, so an unknown operator on a missing key reports the missing key.
/// - `eq`/`neq` compare JSON values exactly: `5` and `5.0` differ.
/// - `gt`/`lt`/`gte`/`lte` compare as doubles and fail when either side is not a number.
/// - `contains` is a substring test on text: a string stands for itself, anything else for its
///   compact serialisation. That makes `[1,"x"]` contain `"x"` and also `1`, and `{"a":1}`
///   contain `"a"`; membership of a nested value works only through its spelling.
public enum PreconditionEvaluator {
    /// nil when the precondition holds, otherwise why it does not (without the common prefix).
    public static func failure(of precondition: Precondition, in state: [String: JSONValue]) -> String? {
        failure(of: precondition, actual: state[precondition.key])
    }

    /// The same, given the key's value (nil when absent): for callers whose state is not a
    /// dictionary, such as the executor's tenant-scoped view.
    public static func failure(of precondition: Precondition, actual: JSONValue?) -> String? {
        let key = precondition.key
        switch precondition.op {
        case "exists":
            return actual == nil ? "key '\(key)' does not exist" : nil
        case "not_exists":
            return actual == nil ? nil : "key '\(key)' exists"
        case "contains":
            guard let actual else { return "key '\(key)' has no value, cannot check contains" }
            return contains(actual, precondition.value) ? nil : "key '\(key)' does not contain \(ReferenceText.debug(precondition.value))"
        default:
            break
        }
        guard let actual else { return "key '\(key)' has no value" }
        let expected = precondition.value
        switch precondition.op {
        case "eq":
            return actual == expected ? nil : "'\(key)' is \(ReferenceText.debug(actual)), need \(ReferenceText.debug(expected))"
        case "neq":
            return actual != expected ? nil : "'\(key)' is \(ReferenceText.debug(actual)), must not be"
        case "gt", "lt", "gte", "lte":
            guard let left = actual.doubleValue, let right = expected.doubleValue else {
                return "cannot compare '\(key)': \(ReferenceText.debug(actual)) \(precondition.op) \(ReferenceText.debug(expected))"
            }
            let holds = switch precondition.op {
            case "gt": left > right
            case "lt": left < right
            case "gte": left >= right
            default: left <= right
            }
            return holds ? nil : "'\(key)' is \(ReferenceText.debug(actual)), need \(precondition.op) \(ReferenceText.debug(expected))"
        default:
            return "unknown operator '\(precondition.op)'"
        }
    }

    public static func holds(_ precondition: Precondition, in state: [String: JSONValue]) -> Bool {
        failure(of: precondition, in: state) == nil
    }

    private static func contains(_ actual: JSONValue, _ needle: JSONValue) -> Bool {
        ReferenceText.bytes(text(actual), contain: text(needle))
    }

    private static func text(_ value: JSONValue) -> String {
        if case .string(let raw) = value { return raw }
        return ReferenceText.compact(value)
    }
}
