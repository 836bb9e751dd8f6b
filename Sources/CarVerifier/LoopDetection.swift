import CarIR
import CarJSON

/// Repeated identical tool calls: same tool, and parameters the reference would serialise to
/// the same text (so `1` and `1.0` differ, and so do `0.0` and `-0.0`). The count is exact;
/// calling it a loop is the guess, hence the `heuristic` tier: two calls are a warning, three or
/// more an error.
///
/// The reference serialises the top-level parameters in hash-map order, so it sometimes misses
/// identical calls with two or more parameter keys; we compare them as values and always find
/// them (corpus case `duplicate_call_multi_key_params`).
enum LoopDetection {
    static func issues(_ actions: [Action]) -> [VerifyIssue] {
        // One representative per distinct call, grouped by tool; compared value by value, which
        // is much cheaper than serialising every call's parameters.
        var groups: [(representative: Int, count: Int)] = []
        var groupsByTool: [String: [Int]] = [:]
        for index in actions.indices where actions[index].kind == .toolCall {
            guard let tool = actions[index].tool else { continue }
            let candidates = groupsByTool[tool] ?? []
            if let match = candidates.first(where: { sameText(.object(actions[groups[$0].representative].parameters), .object(actions[index].parameters)) }) {
                groups[match].count += 1
            } else {
                groupsByTool[tool, default: []].append(groups.count)
                groups.append((index, 1))
            }
        }
        // The reference reports groups in hash order; first appearance is our stable choice.
        return groups.filter { $0.count >= 2 }.map { group in
            let tool = actions[group.representative].tool!
            return group.count == 2
                ? VerifyIssue(actionID: "proposal", severity: .warning, message: "duplicate tool call: \(tool) (2x)", tier: .heuristic)
                : VerifyIssue(actionID: "proposal", severity: .error, message: "repeated identical tool call: \(tool) (\(group.count)x) — likely loop", tier: .heuristic)
        }
    }

    /// True when both values serialise to the same bytes. Strings and keys compare as bytes,
    /// not by Swift's canonical equivalence; a double never equals an integer (its text always
    /// has a `.` or an exponent); doubles compare by value and sign, which for finite values is
    /// equality of their shortest text.
    static func sameText(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b && a.sign == b.sign
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { sameText($0, $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let index = b.index(forKey: key) else { return false }
                let (otherKey, otherValue) = b[index]
                guard key.utf8.elementsEqual(otherKey.utf8), sameText(value, otherValue) else { return false }
            }
            return true
        default:
            return false
        }
    }
}
