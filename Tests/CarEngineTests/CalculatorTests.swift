import CarEngine
import Testing

@Suite("built-in tools: the calculator")
struct CalculatorTests {
    let calculator = Calculator()

    @Test(arguments: [
        ("2*(3+4)", 14.0), ("1 + 2 * 3", 7), ("(1 + 2) * 3", 9), ("10 / 4", 2.5), ("7 % 3", 1), ("-7 % 3", -1),
        ("2^10", 1024), ("2^3^2", 512), ("-2^2", -4), ("(-2)^2", 4), ("2^-1", 0.5), ("--3", 3), ("+3 - -3", 6),
        ("1.5e3 + .5", 1500.5), ("  42  ", 42), ("3 - 2 - 1", 0), ("64 / 4 / 2", 8), ("1e-3 * 1000", 1),
    ])
    func evaluates(_ expression: String, _ expected: Double) throws {
        #expect(try calculator.evaluate(expression) == expected, "\(expression)")
    }

    @Test(arguments: [
        ("", "empty"), ("1 +", "expected a number"), ("(1 + 2", "expected ')'"), ("1 / 0", "division by zero"),
        ("5 % 0", "modulo by zero"), ("abs(3)", "expected a number"), ("x + 1", "expected a number"), ("1 2", "unexpected '2'"),
        ("2 ** 3", "expected a number"), ("10^400", "not a finite"), ("(-8)^0.5", "not a finite"), ("1; 2", "unexpected ';'"),
        ("é", "found 'é'"),
    ])
    func refuses(_ expression: String, _ reason: String) {
        #expect {
            try calculator.evaluate(expression)
        } throws: { error in
            (error as? Calculator.Failure)?.message.contains(reason) == true
        }
    }

    @Test func boundsLengthAndDepth() throws {
        let long = String(repeating: "1+", count: 600) + "1"
        #expect(throws: Calculator.Failure.self) { try calculator.evaluate(long) }
        #expect(try Calculator(maxLength: 2000).evaluate(long) == 601)
        let deep = String(repeating: "(", count: 100) + "1" + String(repeating: ")", count: 100)
        #expect {
            try calculator.evaluate(deep)
        } throws: { error in
            (error as? Calculator.Failure)?.message.contains("deeper than 64") == true
        }
        let negations = String(repeating: "-", count: 500) + "1"
        #expect(throws: Calculator.Failure.self) { try calculator.evaluate(negations) }
        let powers = Array(repeating: "1", count: 200).joined(separator: "^")
        #expect(throws: Calculator.Failure.self) { try calculator.evaluate(powers) }
        // Deep nesting far past the bound still fails cleanly instead of overflowing the stack.
        #expect(throws: Calculator.Failure.self) { try Calculator(maxLength: 1 << 20).evaluate(String(repeating: "(", count: 100_000)) }
    }
}
