import CarIR
import CarJSON

/// Evaluates state predicates (agent-ir-spec.md, "Precondition", operator reference): the gate
/// before an action runs, and the body of an `assertion`.
enum PreconditionCheck {
    /// Whether `op` holds between the state value (nil when the key is absent) and `expected`.
    /// Unknown operators fail ("older runtimes treat unknown operators as failed checks"), and
    /// the ordered comparisons are false unless both sides are numbers.
    static func holds(_ op: String, actual: JSONValue?, expected: JSONValue) -> Bool {
        switch op {
        case "eq":
            guard let actual else { return false }
            return JSONText.equal(actual, expected)
        case "neq":
            guard let actual else { return true }
            return !JSONText.equal(actual, expected)
        case "gt", "lt", "gte", "lte":
            guard let actual, let order = compare(actual, expected) else { return false }
            switch op {
            case "gt": return order > 0
            case "lt": return order < 0
            case "gte": return order >= 0
            default: return order <= 0
            }
        case "exists":
            return actual != nil
        case "not_exists":
            return actual == nil
        case "contains":
            switch (actual, expected) {
            case (.string(let text)?, .string(let part)):
                return text.contains(part)
            case (.array(let elements)?, _):
                return elements.contains { JSONText.equal($0, expected) }
            default:
                return false
            }
        default:
            return false
        }
    }

    static func holds(_ precondition: Precondition, in state: StateView) -> Bool {
        holds(precondition.op, actual: state.get(precondition.key), expected: precondition.value)
    }

    /// The first precondition that does not hold, explained; nil when all hold.
    static func firstFailure(_ preconditions: [Precondition], in state: StateView) -> String? {
        for precondition in preconditions {
            let actual = state.get(precondition.key)
            if !holds(precondition.op, actual: actual, expected: precondition.value) {
                return explain(precondition, actual: actual)
            }
        }
        return nil
    }

    /// `'tests_passed' eq true (actual: false)`, prefixed by the description when one was given.
    static func explain(_ precondition: Precondition, actual: JSONValue?) -> String {
        var text = "'\(precondition.key)' \(precondition.op)"
        if !["exists", "not_exists"].contains(precondition.op) { text += " \(JSONWriter.string(precondition.value))" }
        text += " (actual: \(actual.map(JSONWriter.string) ?? "absent"))"
        if !knownOperators.contains(precondition.op) { text += " — unknown operator '\(precondition.op)'" }
        return precondition.description.isEmpty ? text : "\(precondition.description): \(text)"
    }

    static let knownOperators: Set<String> = ["eq", "neq", "gt", "lt", "gte", "lte", "exists", "not_exists", "contains"]

    /// Integers are compared exactly (a double would round large ids); otherwise as doubles.
    private static func compare(_ lhs: JSONValue, _ rhs: JSONValue) -> Int? {
        if case .int(let a) = lhs, case .int(let b) = rhs { return a < b ? -1 : (a > b ? 1 : 0) }
        guard let a = lhs.doubleValue, let b = rhs.doubleValue, !a.isNaN, !b.isNaN else { return nil }
        return a < b ? -1 : (a > b ? 1 : 0)
    }
}
