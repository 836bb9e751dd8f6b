/// The ordering a proposal's actions must respect, shared by `verify` (its
/// `execution_levels`) and the executor (what may run concurrently).
///
/// The data edges follow the reference runtime rule for rule (probed against car-runtime
/// 0.58.0), because `execution_levels` must match it and the executor must order what
/// verify says it orders:
/// - a `state_dependencies` key waits for the **last** action in the whole proposal that
///   writes it (its `expected_effects`, or a `state_write`'s `key`), and only when that
///   writer comes earlier: a later writer, or the reader itself, means no edge at all;
/// - a `state_write` waits for the previous `state_write` of the same key.
/// Both point backwards in list order, so they can never form a cycle. The executor also
/// honours the non-spec `dependencies` (action ids), which can point anywhere: an id that
/// names no action is reported in `unknownDependencies`, and actions caught in a cycle never
/// reach a level and are listed in `cyclic`.
public struct ActionGraph: Sendable {
    /// For each action (by index in the proposal), the indices of the actions it waits for.
    public let prerequisites: [[Int]]
    /// Layers in topological order: every action's prerequisites sit in earlier layers, each
    /// action in the first layer after its deepest prerequisite. Indices keep proposal order.
    public let levels: [[Int]]
    /// Indices of actions that cannot be ordered because they wait on each other.
    public let cyclic: [Int]
    /// For each action index, the `dependencies` ids that name no action in the proposal.
    public let unknownDependencies: [Int: [String]]

    public init(_ actions: [Action], honoringExplicitDependencies: Bool) {
        var lastWriter: [String: Int] = [:]
        lastWriter.reserveCapacity(actions.count)
        for index in actions.indices {
            for key in actions[index].expectedEffects.keys { lastWriter[key] = index }
            if let key = actions.stateWriteKey(at: index) { lastWriter[key] = index }
        }
        var prerequisites = Array(repeating: [Int](), count: actions.count)
        var previousStateWrite: [String: Int] = [:]
        for index in actions.indices {
            var waitsFor: [Int] = []
            for key in actions[index].stateDependencies {
                if let writer = lastWriter[key], writer < index, !waitsFor.contains(writer) { waitsFor.append(writer) }
            }
            if let key = actions.stateWriteKey(at: index) {
                if let previous = previousStateWrite[key], !waitsFor.contains(previous) { waitsFor.append(previous) }
                previousStateWrite[key] = index
            }
            prerequisites[index] = waitsFor.sorted()
        }

        var unknown: [Int: [String]] = [:]
        if honoringExplicitDependencies {
            var indexByID: [String: Int] = [:]
            for (index, action) in actions.enumerated() where indexByID[action.id] == nil {
                indexByID[action.id] = index
            }
            for (index, action) in actions.enumerated() where !action.dependencies.isEmpty {
                var waitsFor = Set(prerequisites[index])
                for id in action.dependencies {
                    if let target = indexByID[id] {
                        waitsFor.insert(target)
                    } else {
                        unknown[index, default: []].append(id)
                    }
                }
                prerequisites[index] = waitsFor.sorted()
            }
        }

        // Kahn's algorithm, one layer at a time.
        var remaining = prerequisites.map(\.count)
        var dependents = Array(repeating: [Int](), count: actions.count)
        for (index, waits) in prerequisites.enumerated() {
            for prerequisite in waits { dependents[prerequisite].append(index) }
        }
        var levels: [[Int]] = []
        var layer = remaining.indices.filter { remaining[$0] == 0 }
        var placed = 0
        while !layer.isEmpty {
            levels.append(layer)
            placed += layer.count
            var next: [Int] = []
            for index in layer {
                for dependent in dependents[index] {
                    remaining[dependent] -= 1
                    if remaining[dependent] == 0 { next.append(dependent) }
                }
            }
            layer = next.sorted()
        }
        self.prerequisites = prerequisites
        self.levels = levels
        self.cyclic = placed == actions.count ? [] : remaining.indices.filter { remaining[$0] > 0 }
        self.unknownDependencies = unknown
    }
}

extension [Action] {
    /// The key the `state_write` at `index` sets, when it names one as a string; other
    /// actions set none. On the array rather than the action so hot loops read the two
    /// fields in place instead of copying the whole action.
    public func stateWriteKey(at index: Int) -> String? {
        guard self[index].kind == .stateWrite, case .string(let key)? = self[index].parameters["key"] else { return nil }
        return key
    }
}
