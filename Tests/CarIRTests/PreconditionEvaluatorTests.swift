import CarIR
import CarJSON
import Testing

@Suite("precondition evaluator")
struct PreconditionEvaluatorTests {
    private let state: [String: JSONValue] = ["n": 5, "f": 2.5, "s": "hello world", "arr": [1, "x", nil], "o": ["a": 1], "z": nil]

    private func failure(_ key: String, _ op: String, _ value: JSONValue = nil) -> String? {
        PreconditionEvaluator.failure(of: Precondition(key: key, op: op, value: value), in: state)
    }

    @Test func equalityIsExactAcrossIntegerAndFloat() {
        #expect(failure("n", "eq", 5) == nil)
        #expect(failure("n", "eq", 5.0) == "'n' is Number(5), need Number(5.0)")
        #expect(failure("n", "neq", 5.0) == nil)
        #expect(failure("z", "eq", nil) == nil)
        #expect(failure("z", "neq", nil) == "'z' is Null, must not be")
    }

    @Test func orderedOperatorsCompareAsNumbersOnly() {
        #expect(failure("n", "gte", 5.0) == nil)
        #expect(failure("f", "lt", 2.5) == "'f' is Number(2.5), need lt Number(2.5)")
        #expect(failure("s", "gt", "a") == #"cannot compare 's': String("hello world") gt String("a")"#)
        #expect(failure("n", "lte", "9") == #"cannot compare 'n': Number(5) lte String("9")"#)
    }

    @Test func aMissingKeyIsReportedBeforeTheOperatorIsConsidered() {
        #expect(failure("missing", "eq", 1) == "key 'missing' has no value")
        #expect(failure("missing", "bogus", 1) == "key 'missing' has no value")
        #expect(failure("missing", "contains", 1) == "key 'missing' has no value, cannot check contains")
        #expect(failure("missing", "exists") == "key 'missing' does not exist")
        #expect(failure("missing", "not_exists") == nil)
        #expect(failure("z", "exists") == nil)
        #expect(failure("z", "not_exists") == "key 'z' exists")
    }

    @Test func unknownOperatorsFailAndAreCaseSensitive() {
        #expect(failure("n", "EQ", 5) == "unknown operator 'EQ'")
        #expect(failure("n", "", 5) == "unknown operator ''")
    }

    /// `contains` is a substring test on the value's text, which makes it looser than it reads.
    @Test func containsMatchesText() {
        #expect(failure("s", "contains", "lo wo") == nil)
        #expect(failure("arr", "contains", "x") == nil)
        #expect(failure("arr", "contains", 1) == nil)
        #expect(failure("o", "contains", "a") == nil)
        #expect(failure("o", "contains", 1) == nil)
        #expect(failure("n", "contains", "5") == nil)
        #expect(failure("arr", "contains", [1]) == "key 'arr' does not contain Array [Number(1)]")
        #expect(failure("n", "contains", 5.0) == "key 'n' does not contain Number(5.0)")
        #expect(failure("s", "contains", nil) == "key 's' does not contain Null")
    }
}
