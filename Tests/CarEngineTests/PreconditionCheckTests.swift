@testable import CarEngine
import CarJSON
import Testing

@Suite("precondition operators")
struct PreconditionCheckTests {
    private func holds(_ op: String, _ actual: JSONValue?, _ expected: JSONValue = .null) -> Bool {
        PreconditionCheck.holds(op, actual: actual, expected: expected)
    }

    @Test func equalityIsJSONEquality() {
        #expect(holds("eq", 1, 1.0))
        #expect(holds("eq", ["a": [1, "x"]], ["a": [1.0, "x"]]))
        #expect(!holds("eq", "1", 1))
        #expect(!holds("eq", nil, .null))
        #expect(holds("neq", nil, 1))
        #expect(holds("neq", 2, 1))
        #expect(!holds("neq", 1, 1))
    }

    @Test func orderedOperatorsNeedNumbersOnBothSides() {
        #expect(holds("gt", 3, 2))
        #expect(!holds("gt", 2, 2))
        #expect(holds("gte", 2, 2.0))
        #expect(holds("lt", 1.5, 2))
        #expect(holds("lte", 2, 2))
        #expect(!holds("gt", "3", 2))
        #expect(!holds("lt", 1, "2"))
        #expect(!holds("gte", nil, 0))
        #expect(holds("gt", .int(Int64.max), .int(Int64.max - 1)))
    }

    @Test func existenceContainmentAndUnknownOperators() {
        #expect(holds("exists", .null))
        #expect(!holds("exists", nil))
        #expect(holds("not_exists", nil))
        #expect(!holds("not_exists", 0))
        #expect(holds("contains", "deploy to staging", "staging"))
        #expect(!holds("contains", "deploy", "prod"))
        #expect(holds("contains", ["a", 2], 2.0))
        #expect(!holds("contains", ["a"], "b"))
        #expect(!holds("contains", ["k": 1], "k"))
        #expect(!holds("matches", "x", "x"))
        #expect(!holds("EQ", 1, 1))
    }
}
