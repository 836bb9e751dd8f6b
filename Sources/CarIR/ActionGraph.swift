/// The ordering a proposal's actions must respect, shared by `verify` (its
/// `execution_levels`) and the executor (what may run concurrently).
///
/// An action waits for every *earlier* action that writes a key it lists in
/// `state_dependencies`; writes are its `expected_effects` keys plus a `state_write`'s `key`
/// parameter. Edges only point backwards in list order, exactly as the reference runtime
/// derives them, so the data edges alone can never form a cycle. The executor also honours
/// the non-spec `dependencies` (action ids), which can point anywhere: an id that names no
/// action is reported in `unknownDependencies`, and actions caught in a cycle never reach a
/// level and are listed in `cyclic`.
public struct ActionGraph: Sendable {
    /// For each action (by index in the proposal), the indices of the actions it waits for.
    public let prerequisites: [[Int]]
    /// Layers in topological order: every action's prerequisites sit in earlier layers.
    /// Indices within a layer keep proposal order.
    public let levels: [[Int]]
    /// Indices of actions that cannot be ordered because they wait on each other.
    public let cyclic: [Int]
    /// For each action index, the `dependencies` ids that name no action in the proposal.
    public let unknownDependencies: [Int: [String]]

    public init(_ actions: [Action], honoringExplicitDependencies: Bool) {
        var prerequisites = Array(repeating: [Int](), count: actions.count)
        var writers: [String: [Int]] = [:]
        for (index, action) in actions.enumerated() {
            var waitsFor = Set<Int>()
            for key in action.stateDependencies {
                waitsFor.formUnion(writers[key] ?? [])
            }
            for key in action.writtenKeys {
                writers[key, default: []].append(index)
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

extension Action {
    /// The state keys this action claims to write: its declared effects, plus the key a
    /// `state_write` names in its parameters.
    public var writtenKeys: [String] {
        var keys = expectedEffects.keys.sorted()
        if kind == .stateWrite, let key = parameters["key"]?.stringValue, !keys.contains(key) {
            keys.append(key)
        }
        return keys
    }
}
