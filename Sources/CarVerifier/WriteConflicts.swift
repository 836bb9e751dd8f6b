import CarIR

/// Every pair of actions that write the same key, unless one of the two lists that key in its
/// `state_dependencies`. Ordering through the graph does not excuse a pair — two chained
/// `state_write`s of one key still conflict — and neither does an ordering through other keys:
/// the rule asks for a declared dependency on the contested key itself.
///
/// The reference looks the pair's actions up by id, so with duplicate ids it is the *last*
/// action carrying that id whose `state_dependencies` count; we do the same.
enum WriteConflicts {
    /// The pairs a report lists. n writers of one key make n(n-1)/2 pairs, so 10,000 actions
    /// on one key would be 50 million triples (gigabytes of report); past this many the report
    /// lists the first ones and counts the rest.
    static let listedLimit = 1_000

    /// Triples `[earlier id, later id, key]` (keys in order of first write, then byte order),
    /// at most `limit` of them, and how many there are in all.
    static func find(_ actions: [Action], limit: Int = listedLimit) -> (listed: [[String]], total: Int) {
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
        guard !contested.isEmpty else { return ([], 0) }
        let ordered = contested.sorted { left, right in
            left.value[0] != right.value[0] ? left.value[0] < right.value[0] : ReferenceText.precedesInByteOrder(left.key, right.key)
        }
        var lastWithID: [String: Int] = [:]
        for index in actions.indices { lastWithID[actions[index].id] = index }
        var conflicts: [[String]] = []
        var total = 0
        for (key, indices) in ordered {
            // Every pair of the writers that do not declare the key conflicts, so they are
            // counted, not enumerated, once the listing is full.
            let writers = indices.filter { !actions[lastWithID[actions[$0].id]!].stateDependencies.contains(key) }
            total += writers.count * (writers.count - 1) / 2
            pairs: for first in writers.indices where conflicts.count < limit {
                for second in writers.index(after: first)..<writers.endIndex {
                    guard conflicts.count < limit else { break pairs }
                    conflicts.append([actions[writers[first]].id, actions[writers[second]].id, key])
                }
            }
        }
        return (conflicts, total)
    }
}
