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

    @Test func readersWaitForTheLastWriterWhenItIsEarlier() {
        #expect(levels([tool("r", reads: ["k"]), tool("w", writes: ["k"])]) == [["r", "w"]])
        #expect(levels([tool("w1", writes: ["k"]), tool("w2", writes: ["k"]), tool("r", reads: ["k"])]) == [["w1", "w2"], ["r"]])
        #expect(levels([tool("a", writes: ["x"]), tool("b", reads: ["x"], writes: ["y"]), tool("c", reads: ["y"])]) == [["a"], ["b"], ["c"]])
        // The reference resolves a key to its last writer in the whole proposal: one after the
        // reader (or the reader itself) means no edge, even with an earlier writer.
        #expect(levels([tool("w1", writes: ["k"]), tool("r", reads: ["k"]), tool("w2", writes: ["k"])]) == [["w1", "r", "w2"]])
        #expect(levels([tool("w", writes: ["x"]), tool("self", reads: ["x"], writes: ["x"])]) == [["w", "self"]])
    }

    @Test func aStateWriteKeyIsAWriteAndStateWritesOfOneKeyAreOrdered() {
        let write = Action(id: "w", kind: .stateWrite, parameters: ["key": "k", "value": 1])
        let again = Action(id: "w2", kind: .stateWrite, parameters: ["key": "k", "value": 2])
        let other = Action(id: "o", kind: .stateWrite, parameters: ["key": "other", "value": 3])
        #expect(levels([write, tool("r", reads: ["k"])]) == [["w"], ["r"]])
        #expect(levels([write, other, again]) == [["w", "o"], ["w2"]])
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
