import CarJSON

/// Walks a surface's component graph: the checks that need every component at once (cycles,
/// depth below root) and the diagnostics of what has not arrived yet. Iterative throughout, so
/// a long chain of components cannot exhaust the stack.
struct A2UITree {
    static let rootID = "root"

    let components: [String: [String: JSONValue]]
    let order: [String]
    let links: [String: [A2UILink]]


    func diagnostics() -> A2UIDiagnostics {
        var dangling: [(String, String)] = []
        for id in order {
            for link in links[id] ?? [] where components[link.target] == nil {
                dangling.append((id, link.target))
            }
        }
        guard components[Self.rootID] != nil else {
            return A2UIDiagnostics(missingRoot: true, danglingReferences: dangling, unreachable: [])
        }
        var reached: Set<String> = [Self.rootID]
        var stack = [Self.rootID]
        while let id = stack.popLast() {
            for link in links[id] ?? [] where components[link.target] != nil && reached.insert(link.target).inserted {
                stack.append(link.target)
            }
        }
        return A2UIDiagnostics(missingRoot: false, danglingReferences: dangling, unreachable: order.filter { !reached.contains($0) })
    }

    /// The first cycle found, as the ids along it (first id repeated at the end); nil if none.
    func cycle() -> [String]? {
        enum Mark { case onPath, done }
        var marks: [String: Mark] = [:]
        for start in order where marks[start] == nil {
            // Each frame: a component and how many of its links were followed.
            var path: [(id: String, next: Int)] = [(start, 0)]
            marks[start] = .onPath
            while let top = path.last {
                let outgoing = links[top.id] ?? []
                guard top.next < outgoing.count else {
                    marks[top.id] = .done
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let target = outgoing[top.next].target
                guard components[target] != nil else { continue }
                switch marks[target] {
                case .onPath?:
                    let from = path.firstIndex { $0.id == target }!
                    return path[from...].map(\.id) + [target]
                case .done?:
                    continue
                case nil:
                    marks[target] = .onPath
                    path.append((target, 0))
                }
            }
        }
        return nil
    }

    /// The longest path below root, in components (root alone is 1); 0 without a root.
    /// Assumes no cycle (checked first).
    func depth() -> Int {
        guard components[Self.rootID] != nil else { return 0 }
        var depthOf: [String: Int] = [:]
        var stack: [(id: String, expanded: Bool)] = [(Self.rootID, false)]
        while let (id, expanded) = stack.popLast() {
            let children = (links[id] ?? []).map(\.target).filter { components[$0] != nil }
            if expanded {
                depthOf[id] = 1 + (children.compactMap { depthOf[$0] }.max() ?? 0)
            } else if depthOf[id] == nil {
                stack.append((id, true))
                for child in children where depthOf[child] == nil { stack.append((child, false)) }
            }
        }
        return depthOf[Self.rootID] ?? 0
    }
}
