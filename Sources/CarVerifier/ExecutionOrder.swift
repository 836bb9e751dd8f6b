import CarIR
import CarJSON

/// The layering the reference reports as `execution_levels`, reproduced rule for rule.
///
/// It is not `CarIR.ActionGraph`'s "wait for every earlier writer": probing the reference
/// (car-runtime 0.58.0) shows three differences, all kept here because `execution_levels` and
/// the forward walk built on it must match the reference byte for byte.
/// - A `state_dependencies` key resolves to the **last** action in the whole proposal that
///   writes it. The edge exists only if that writer comes earlier; a later writer, or the reader
///   itself, means no edge at all — even when an earlier writer exists.
/// - A `state_write` waits for the previous `state_write` of the same `key`, whether or not it
///   declares a dependency (writes through `expected_effects` do not take part).
/// - Every edge points backwards, so the layering is a single pass: an action's layer is one
///   past the deepest action it waits for, and layers keep proposal order.
struct ExecutionOrder {
    /// Indices into the proposal's actions.
    let levels: [[Int]]
    /// Each action's layer.
    let depth: [Int]

    init(_ actions: [Action]) {
        var lastWriter: [String: Int] = [:]
        lastWriter.reserveCapacity(actions.count)
        for index in actions.indices {
            for key in actions[index].expectedEffects.keys { lastWriter[key] = index }
            if let key = actions.stateWriteKey(at: index) { lastWriter[key] = index }
        }

        var depth = [Int](repeating: 0, count: actions.count)
        var previousStateWrite: [String: Int] = [:]
        var levelCount = actions.isEmpty ? 0 : 1
        for index in actions.indices {
            var level = 0
            for key in actions[index].stateDependencies {
                if let writer = lastWriter[key], writer < index { level = max(level, depth[writer] + 1) }
            }
            if let key = actions.stateWriteKey(at: index) {
                if let previous = previousStateWrite[key] { level = max(level, depth[previous] + 1) }
                previousStateWrite[key] = index
            }
            depth[index] = level
            levelCount = max(levelCount, level + 1)
        }

        var levels = [[Int]](repeating: [], count: levelCount)
        for (index, level) in depth.enumerated() { levels[level].append(index) }
        self.levels = levels
        self.depth = depth
    }
}

extension [Action] {
    /// The key the `state_write` at `index` sets, when it names one as a string; other actions
    /// set none. A method on the array rather than the action so the hot loops read the two
    /// fields in place instead of copying the whole action.
    func stateWriteKey(at index: Int) -> String? {
        guard self[index].kind == .stateWrite, case .string(let key)? = self[index].parameters["key"] else { return nil }
        return key
    }
}
