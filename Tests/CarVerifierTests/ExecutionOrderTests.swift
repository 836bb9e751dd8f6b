@testable import CarVerifier
import CarIR
import CarJSON
import Testing

/// The reference's layering rules as `verify` reports them through `CarIR.ActionGraph`,
/// each where a naive "wait for every earlier writer" would differ.
@Suite("execution order")
struct ExecutionOrderTests {
    private func call(_ id: String, reads: [String] = [], writes: [String] = []) -> Action {
        Action(id: id, kind: .toolCall, tool: id, expectedEffects: Dictionary(uniqueKeysWithValues: writes.map { ($0, JSONValue.int(1)) }), stateDependencies: reads)
    }

    private func stateWrite(_ id: String, _ key: JSONValue) -> Action {
        Action(id: id, kind: .stateWrite, parameters: ["key": key, "value": 1])
    }

    private func levels(_ actions: [Action]) -> [[String]] {
        ActionGraph(actions, honoringExplicitDependencies: false).levels.map { $0.map { actions[$0].id } }
    }

    @Test func aReadWaitsOnlyForTheLastWriterOfTheWholeProposal() {
        let laterWriter = [call("w1", writes: ["k"]), call("r", reads: ["k"]), call("w2", writes: ["k"])]
        #expect(levels(laterWriter) == [["w1", "r", "w2"]])

        let deepEarlierWriter = [call("p", writes: ["z"]), call("w1", reads: ["z"], writes: ["k"]), call("w2", writes: ["k"]), call("r", reads: ["k"])]
        #expect(levels(deepEarlierWriter) == [["p", "w2"], ["w1", "r"]])
    }

    @Test func anActionReadingWhatItWritesWaitsForNobody() {
        let actions = [call("a", writes: ["k"]), call("b", reads: ["k"], writes: ["k"])]
        #expect(levels(actions) == [["a", "b"]])
    }

    @Test func stateWritesOfOneKeyAreChained() {
        #expect(levels([stateWrite("a", "k"), stateWrite("b", "k"), stateWrite("c", "j"), stateWrite("d", "k")]) == [["a", "c"], ["b"], ["d"]])
        // A declared effect on the key does not join the chain, in either direction.
        #expect(levels([call("t", writes: ["k"]), stateWrite("s", "k")]) == [["t", "s"]])
        #expect(levels([stateWrite("s", "k"), call("t", writes: ["k"])]) == [["s", "t"]])
        // Only a string key writes.
        #expect(levels([stateWrite("a", 5), stateWrite("b", 5)]) == [["a", "b"]])
    }

    @Test func edgesOnlyPointBackwardsSoThereAreNoCycles() {
        let actions = [call("a", reads: ["y"], writes: ["x"]), call("b", reads: ["x"], writes: ["y"])]
        #expect(levels(actions) == [["a"], ["b"]])
        #expect(levels([]) == [])
    }
}
