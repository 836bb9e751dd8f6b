import CarIR

/// Every pair of actions that write the same key, unless one of the two lists that key in its
/// `state_dependencies`. Ordering through the graph does not excuse a pair — two chained
/// `state_write`s of one key still conflict — and neither does an ordering through other keys:
/// the rule asks for a declared dependency on the contested key itself.
///
/// The reference looks the pair's actions up by id, so with duplicate ids it is the *last*
/// action carrying that id whose `state_dependencies` count; we do the same.
enum WriteConflicts {
    /// Triples `[earlier id, later id, key]`; keys in order of first write, then byte order.
    static func find(_ actions: [Action]) -> [[String]] {
        // Most keys have one writer: remember it, and start a list only for a second one.
        var firstWriter: [String: Int] = [:]
        var contested: [String: [Int]] = [:]
        func record(_ key: String, _ index: Int) {
            if let first = firstWriter.updateValue(index, forKey: key) {
                firstWriter[key] = first
                contested[key, default: [first]].append(index)
            }
        }
        for index in actions.indices {
            for key in actions[index].expectedEffects.keys { record(key, index) }
            if let key = actions.stateWriteKey(at: index), actions[index].expectedEffects[key] == nil { record(key, index) }
        }
        guard !contested.isEmpty else { return [] }
        let ordered = contested.sorted { left, right in
            left.value[0] != right.value[0] ? left.value[0] < right.value[0] : ReferenceText.precedesInByteOrder(left.key, right.key)
        }
        var lastWithID: [String: Int] = [:]
        for index in actions.indices { lastWithID[actions[index].id] = index }
        var conflicts: [[String]] = []
        for (key, indices) in ordered {
            let excused = indices.map { actions[lastWithID[actions[$0].id]!].stateDependencies.contains(key) }
            for first in 0..<indices.count where !excused[first] {
                for second in (first + 1)..<indices.count where !excused[second] {
                    conflicts.append([actions[indices[first]].id, actions[indices[second]].id, key])
                }
            }
        }
        return conflicts
    }
}
