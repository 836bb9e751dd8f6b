import CarIR

/// Every pair of actions that write the same key, unless one of the two lists that key in its
/// `state_dependencies`. Ordering through the graph does not excuse a pair — two chained
/// `state_write`s of one key still conflict — and neither does an ordering through other keys:
/// the rule asks for a declared dependency on the contested key itself.
enum WriteConflicts {
    /// Triples `[earlier id, later id, key]`, keys in order of first write.
    static func find(_ actions: [Action]) -> [[String]] {
        var writers: [String: [Int]] = [:]
        var keyOrder: [String] = []
        for (index, action) in actions.enumerated() {
            for key in ReferenceText.sortedKeys(action.expectedEffects) { record(key, index, &writers, &keyOrder) }
            if let key = action.stateWriteKey, action.expectedEffects[key] == nil { record(key, index, &writers, &keyOrder) }
        }
        var conflicts: [[String]] = []
        for key in keyOrder {
            let indices = writers[key]!
            guard indices.count > 1 else { continue }
            let excused = indices.map { actions[$0].stateDependencies.contains(key) }
            for first in 0..<indices.count where !excused[first] {
                for second in (first + 1)..<indices.count where !excused[second] {
                    conflicts.append([actions[indices[first]].id, actions[indices[second]].id, key])
                }
            }
        }
        return conflicts
    }

    private static func record(_ key: String, _ index: Int, _ writers: inout [String: [Int]], _ order: inout [String]) {
        if writers[key] == nil {
            writers[key] = [index]
            order.append(key)
        } else {
            writers[key]!.append(index)
        }
    }
}
