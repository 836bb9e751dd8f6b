import CarIR
import CarJSON

/// Repeated identical tool calls (same tool, same parameters, compared by their serialised
/// text so `1` and `1.0` differ). The count is exact; calling it a loop is the guess, hence
/// the `heuristic` tier: two calls are a warning, three or more an error.
enum LoopDetection {
    static func issues(_ actions: [Action]) -> [VerifyIssue] {
        var counts: [[UInt8]: (tool: String, count: Int, first: Int)] = [:]
        var signature: [UInt8] = []
        for (index, action) in actions.enumerated() where action.kind == .toolCall {
            guard let tool = action.tool else { continue }
            signature.removeAll(keepingCapacity: true)
            signature.append(contentsOf: tool.utf8)
            signature.append(0)
            ReferenceText.compactBytes(.object(action.parameters), into: &signature)
            if let seen = counts[signature] {
                counts[signature] = (seen.tool, seen.count + 1, seen.first)
            } else {
                counts[signature] = (tool, 1, index)
            }
        }
        // The reference reports groups in hash order; first appearance is our stable choice.
        return counts.values.filter { $0.count >= 2 }.sorted { $0.first < $1.first }.map { group in
            group.count == 2
                ? VerifyIssue(actionID: "proposal", severity: .warning, message: "duplicate tool call: \(group.tool) (2x)", tier: .heuristic)
                : VerifyIssue(actionID: "proposal", severity: .error, message: "repeated identical tool call: \(group.tool) (\(group.count)x) — likely loop", tier: .heuristic)
        }
    }
}
