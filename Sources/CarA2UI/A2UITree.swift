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

    /// One walk over every component: the first cycle found (its ids, the first repeated at
    /// the end), and the height of root (the longest path down from it, in components; root
    /// alone is 1, no root 0; meaningful when there is no cycle).
    func shape() -> (cycle: [String]?, rootHeight: Int) {
        enum Mark { case onPath, done }
        var marks: [String: Mark] = [:]
        marks.reserveCapacity(order.count)
        var height: [String: Int] = [:]
        height.reserveCapacity(order.count)
        for start in order where marks[start] == nil {
            // Each frame: a component, its present children, and how many were followed.
            var path: [(id: String, children: [String], next: Int)] = [(start, present(start), 0)]
            marks[start] = .onPath
            while let top = path.last {
                guard top.next < top.children.count else {
                    marks[top.id] = .done
                    height[top.id] = 1 + (top.children.lazy.map { height[$0] ?? 0 }.max() ?? 0)
                    path.removeLast()
                    continue
                }
                path[path.count - 1].next += 1
                let target = top.children[top.next]
                switch marks[target] {
                case .onPath?:
                    let from = path.firstIndex { $0.id == target }!
                    return (path[from...].map(\.id) + [target], 0)
                case .done?:
                    continue
                case nil:
                    marks[target] = .onPath
                    path.append((target, present(target), 0))
                }
            }
        }
        return (nil, height[Self.rootID] ?? 0)
    }

    private func present(_ id: String) -> [String] {
        (links[id] ?? []).lazy.map(\.target).filter { components[$0] != nil }
    }
}
