import CarIR
import CarJSON
import Testing

@Suite("action graph")
struct ActionGraphTests {
    private func tool(_ id: String, reads: [String] = [], writes: [String] = [], after: [String] = []) -> Action {
        Action(id: id, kind: .toolCall, tool: "t", expectedEffects: Dictionary(uniqueKeysWithValues: writes.map { ($0, JSONValue.bool(true)) }),
               stateDependencies: reads, dependencies: after)
    }

    private func levels(_ actions: [Action], explicit: Bool = false) -> [[String]] {
        ActionGraph(actions, honoringExplicitDependencies: explicit).levels.map { $0.map { actions[$0].id } }
    }

    @Test func readersWaitForEarlierWritersOnly() {
        #expect(levels([tool("r", reads: ["k"]), tool("w", writes: ["k"])]) == [["r", "w"]])
        #expect(levels([tool("w1", writes: ["k"]), tool("w2", writes: ["k"]), tool("r", reads: ["k"])]) == [["w1", "w2"], ["r"]])
        #expect(levels([tool("a", writes: ["x"]), tool("b", reads: ["x"], writes: ["y"]), tool("c", reads: ["y"])]) == [["a"], ["b"], ["c"]])
    }

    @Test func aStateWriteKeyIsAWrite() {
        let write = Action(id: "w", kind: .stateWrite, parameters: ["key": "k", "value": 1])
        #expect(levels([write, tool("r", reads: ["k"])]) == [["w"], ["r"]])
    }

    @Test func explicitDependenciesOrderCycleAndReportUnknownIDs() {
        let chain = [tool("ls"), tool("read", after: ["ls"]), tool("write", after: ["read"])]
        #expect(levels(chain) == [["ls", "read", "write"]])
        #expect(levels(chain, explicit: true) == [["ls"], ["read"], ["write"]])

        let loop = [tool("a", after: ["b"]), tool("b", after: ["a"]), tool("c", after: ["ghost"])]
        let graph = ActionGraph(loop, honoringExplicitDependencies: true)
        #expect(graph.cyclic == [0, 1])
        #expect(graph.unknownDependencies == [2: ["ghost"]])
        #expect(graph.levels == [[2]])
    }
}
