@testable import CarA2UI
import CarJSON
import Testing

@Suite struct A2UITreeTests {
    /// A tree from (id, targets) pairs, in that order; every id given is present.
    static func tree(_ edges: [(String, [String])]) -> A2UITree {
        var components: [String: [String: JSONValue]] = [:]
        var links: [String: [A2UILink]] = [:]
        for (id, targets) in edges {
            components[id] = ["id": .string(id), "component": "Column"]
            links[id] = targets.enumerated().map { A2UILink(target: $1, path: "/children/\($0)") }
        }
        return A2UITree(components: components, order: edges.map(\.0), links: links)
    }

    /// c0 → c1 → … → c(n-1), with c0 named `first`.
    static func chain(_ count: Int, first: String = "c0") -> A2UITree {
        let ids = (0..<count).map { $0 == 0 ? first : "c\($0)" }
        return tree(ids.enumerated().map { index, id in (id, index + 1 < count ? [ids[index + 1]] : []) })
    }

    @Test func diagnosticsOfAnEmptyTree() {
        let diagnostics = Self.tree([]).diagnostics()
        #expect(diagnostics.missingRoot)
        #expect(diagnostics.danglingReferences.isEmpty)
        #expect(diagnostics.unreachable.isEmpty)
        #expect(!diagnostics.isComplete)
    }

    @Test func diagnosticsListDanglingInOrderAndUnreachable() {
        let diagnostics = Self.tree([("root", ["a", "ghost"]), ("a", ["phantom"]), ("lonely", ["a"])]).diagnostics()
        #expect(!diagnostics.missingRoot)
        #expect(diagnostics.danglingReferences.map(\.componentID) == ["root", "a"])
        #expect(diagnostics.danglingReferences.map(\.reference) == ["ghost", "phantom"])
        #expect(diagnostics.unreachable == ["lonely"])
    }

    @Test func diagnosticsEquality() {
        let a = Self.tree([("root", ["x"])]).diagnostics()
        let b = Self.tree([("root", ["x"])]).diagnostics()
        let c = Self.tree([("root", ["y"])]).diagnostics()
        #expect(a == b)
        #expect(a != c)
    }

    @Test func cycles() {
        #expect(Self.tree([("root", ["a", "b"]), ("a", ["c"]), ("b", ["c"]), ("c", [])]).shape().cycle == nil)
        let found = Self.tree([("root", ["a"]), ("a", ["b"]), ("b", ["a"])]).shape().cycle
        #expect(found == ["a", "b", "a"])
        #expect(Self.tree([("x", ["x"])]).shape().cycle == ["x", "x"])
        // Links to components that have not arrived are no edges.
        #expect(Self.tree([("a", ["b"])]).shape().cycle == nil)
        // A cycle away from root is found too.
        #expect(Self.tree([("root", []), ("p", ["q"]), ("q", ["r"]), ("r", ["p"])]).shape().cycle == ["p", "q", "r", "p"])
    }

    @Test func rootHeightCountsComponentsOnTheLongestPath() {
        #expect(Self.tree([]).shape().rootHeight == 0)
        #expect(Self.tree([("a", ["b"]), ("b", [])]).shape().rootHeight == 0, "no root, no height")
        #expect(Self.tree([("root", [])]).shape().rootHeight == 1)
        // A diamond with a long and a short branch: the long one counts.
        let diamond = Self.tree([("root", ["short", "long"]), ("short", ["leaf"]), ("long", ["mid"]), ("mid", ["leaf"]), ("leaf", [])])
        #expect(diamond.shape().rootHeight == 4)
        // A branch whose target has not arrived adds nothing.
        #expect(Self.tree([("root", ["ghost", "a"]), ("a", [])]).shape().rootHeight == 2)
        #expect(Self.chain(51, first: "root").shape().rootHeight == 51)
    }

    @Test func veryLongChainsNeedNoRecursion() {
        let long = Self.chain(100_000, first: "root")
        #expect(long.shape().cycle == nil)
        #expect(long.shape().rootHeight == 100_000)
        #expect(long.diagnostics().isComplete)
        var edges = (0..<100_000).map { ("c\($0)", ["c\($0 + 1)"]) }
        edges[edges.count - 1].1 = ["c0"]
        #expect(Self.tree(edges).shape().cycle?.count == 100_001)
    }
}
