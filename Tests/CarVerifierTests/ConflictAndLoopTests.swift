@testable import CarVerifier
import CarIR
import CarJSON
import Testing

@Suite("write conflicts and loop detection")
struct ConflictAndLoopTests {
    private func call(_ id: String, tool: String = "t", parameters: [String: JSONValue] = [:], reads: [String] = [], writes: [String] = []) -> Action {
        Action(id: id, kind: .toolCall, tool: tool, parameters: parameters,
               expectedEffects: Dictionary(uniqueKeysWithValues: writes.map { ($0, JSONValue.int(1)) }), stateDependencies: reads)
    }

    @Test func everyUnexcusedPairConflictsEvenWhenOrdered() {
        let chain = (0..<4).map { Action(id: "s\($0)", kind: .stateWrite, parameters: ["key": "k", "value": .int(Int64($0))]) }
        #expect(WriteConflicts.find(chain).listed.count == 6)
        #expect(WriteConflicts.find([call("a", writes: ["k"]), call("b", reads: ["k"], writes: ["k"]), call("c", writes: ["k"])]).listed == [["a", "c", "k"]])
    }

    @Test func aReportListsAThousandPairsAndCountsTheRest() {
        // 60 writers of one key plus one that declares it: 60 * 59 / 2 = 1,770 pairs.
        let writers = (0..<60).map { call("w\($0)", writes: ["k"]) } + [call("ok", reads: ["k"], writes: ["k"])]
        let found = WriteConflicts.find(writers)
        #expect(found.total == 1_770)
        #expect(found.listed.count == WriteConflicts.listedLimit)
        #expect(found.listed.first == ["w0", "w1", "k"])
        #expect(found.listed.allSatisfy { $0[0] != "ok" && $0[1] != "ok" })
        let report = Verifier.verify(ActionProposal(id: "p", actions: writers), maxActions: 100)
        #expect(report.conflicts.count == 1_000)
        #expect(report.issues.last?.message == "770 more write conflicts not listed (a report lists the first 1000 of 1770)")
        #expect(report.evidence.checks.first { $0.name == "write_conflicts" }?.findings == 1_770)
    }

    @Test func orderingThroughAnotherKeyDoesNotExcuse() {
        let actions = [call("a", writes: ["k"]), call("x", reads: ["k"], writes: ["j"]), call("b", reads: ["j"], writes: ["k"])]
        #expect(WriteConflicts.find(actions).listed == [["a", "b", "k"]])
    }

    @Test func theLastActionOfAnIDDecidesTheExcuse() {
        let actions = [call("a", reads: ["k"], writes: ["k"]), call("b", writes: ["k"]), call("a", writes: ["j"])]
        #expect(WriteConflicts.find(actions).listed == [["a", "b", "k"]])
    }

    @Test func identicalMeansTheSameSerialisedParameters() {
        #expect(LoopDetection.sameText(["x": 1, "y": ["b": 2, "a": 1]], ["y": ["a": 1, "b": 2], "x": 1]))
        #expect(!LoopDetection.sameText(["x": 1], ["x": 1.0]))
        #expect(!LoopDetection.sameText(["x": 0.0], ["x": -0.0]))
        #expect(!LoopDetection.sameText(["x": "e\u{301}"], ["x": "é"]))
        #expect(LoopDetection.sameText(.object([:]), .object([:])))
    }

    @Test func twoCallsWarnThreeAreAnError() {
        let two = LoopDetection.issues([call("a", parameters: ["j": 7]), call("b", parameters: ["j": 7]), call("c", parameters: ["j": 8])])
        #expect(two == [VerifyIssue(actionID: "proposal", severity: .warning, message: "duplicate tool call: t (2x)", tier: .heuristic)])
        let three = LoopDetection.issues((0..<3).map { call("c\($0)", tool: "poll") })
        #expect(three == [VerifyIssue(actionID: "proposal", severity: .error, message: "repeated identical tool call: poll (3x) — likely loop", tier: .heuristic)])
        // Only tool calls that name a tool count.
        #expect(LoopDetection.issues([Action(id: "r1", kind: .stateRead), Action(id: "r2", kind: .stateRead)]).isEmpty)
        #expect(LoopDetection.issues([Action(id: "x", kind: .toolCall), Action(id: "y", kind: .toolCall)]).isEmpty)
    }
}
