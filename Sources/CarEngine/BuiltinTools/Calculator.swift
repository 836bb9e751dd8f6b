import Glibc

/// The `calculate` tool's evaluator: numbers, `+ - * / % ^`, parentheses and unary signs, and
/// nothing else (no names, no functions, no assignment), so an expression can only ever be
/// arithmetic. Bounded: at most `maxLength` bytes and `maxDepth` levels of nesting (parentheses,
/// signs and powers), so a hostile expression cannot exhaust the stack.
///
/// Precedence, loosest first: `+ -`, then `* / %`, then unary `- +`, then `^` (right-associative,
/// so `2^3^2` is `2^9`, and `-2^2` is `-4` as in written mathematics).
public struct Calculator: Sendable {
    public var maxLength: Int
    public var maxDepth: Int

    public init(maxLength: Int = 1024, maxDepth: Int = 64) {
        self.maxLength = maxLength
        self.maxDepth = maxDepth
    }

    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public func evaluate(_ expression: String) throws(Failure) -> Double {
        let bytes = Array(expression.utf8)
        guard bytes.count <= maxLength else {
            throw Failure(message: "expression is \(bytes.count) bytes; at most \(maxLength) are allowed")
        }
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        parser.skipSpace()
        guard parser.position < bytes.count else { throw Failure(message: "expression is empty") }
        let value = try parser.sum()
        parser.skipSpace()
        if parser.position < bytes.count {
            throw parser.failure("unexpected '\(parser.character)'")
        }
        guard value.isFinite else { throw Failure(message: "the result is not a finite number") }
        return value
    }

    private struct Parser {
        let bytes: [UInt8]
        let maxDepth: Int
        var position = 0
        var depth = 0

        var character: String {
            guard position < bytes.count else { return "end of expression" }
            // Show the whole (possibly multi-byte) character, not one byte of it.
            var end = position + 1
            while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
            return String(decoding: bytes[position..<end], as: UTF8.self)
        }

        func failure(_ message: String) -> Failure {
            Failure(message: "\(message) at offset \(position)")
        }

        mutating func skipSpace() {
            while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x09 || bytes[position] == 0x0A || bytes[position] == 0x0D {
                position += 1
            }
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return position < bytes.count ? bytes[position] : nil
        }

        mutating func sum() throws(Failure) -> Double {
            var value = try product()
            while let op = peek(), op == UInt8(ascii: "+") || op == UInt8(ascii: "-") {
                position += 1
                let rhs = try product()
                value = op == UInt8(ascii: "+") ? value + rhs : value - rhs
            }
            return value
        }

        mutating func product() throws(Failure) -> Double {
            var value = try unary()
            while let op = peek(), op == UInt8(ascii: "*") || op == UInt8(ascii: "/") || op == UInt8(ascii: "%") {
                let at = position
                position += 1
                let rhs = try unary()
                switch op {
                case UInt8(ascii: "*"):
                    value *= rhs
                default:
                    if rhs == 0 {
                        position = at
                        throw failure(op == UInt8(ascii: "/") ? "division by zero" : "modulo by zero")
                    }
                    value = op == UInt8(ascii: "/") ? value / rhs : value.truncatingRemainder(dividingBy: rhs)
                }
            }
            return value
        }

        mutating func unary() throws(Failure) -> Double {
            depth += 1
            defer { depth -= 1 }
            guard depth <= maxDepth else { throw failure("expression nests deeper than \(maxDepth) levels") }
            switch peek() {
            case UInt8(ascii: "-")?:
                position += 1
                return -(try unary())
            case UInt8(ascii: "+")?:
                position += 1
                return try unary()
            default:
                return try power()
            }
        }

        mutating func power() throws(Failure) -> Double {
            let base = try primary()
            guard peek() == UInt8(ascii: "^") else { return base }
            position += 1
            // The exponent may carry its own sign (`2^-1`) and is itself a power (right-associative).
            let exponent = try unary()
            return Self.pow(base, exponent)
        }

        mutating func primary() throws(Failure) -> Double {
            guard let next = peek() else { throw failure("expected a number or '('") }
            if next == UInt8(ascii: "(") {
                position += 1
                let value = try sum()
                guard peek() == UInt8(ascii: ")") else { throw failure("expected ')'") }
                position += 1
                return value
            }
            return try number()
        }

        mutating func number() throws(Failure) -> Double {
            let start = position
            func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
            var digits = 0
            while position < bytes.count, isDigit(bytes[position]) { position += 1; digits += 1 }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                while position < bytes.count, isDigit(bytes[position]) { position += 1; digits += 1 }
            }
            guard digits > 0 else {
                position = start
                throw failure("expected a number, found '\(character)'")
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
                var end = position + 1
                if end < bytes.count, bytes[end] == UInt8(ascii: "+") || bytes[end] == UInt8(ascii: "-") { end += 1 }
                if end < bytes.count, isDigit(bytes[end]) {
                    while end < bytes.count, isDigit(bytes[end]) { end += 1 }
                    position = end
                }
            }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            guard let value = Double(text) else {
                position = start
                throw failure("'\(text)' is not a number")
            }
            return value
        }

        /// C's pow: exact for integer powers that fit, NaN for a negative base and a
        /// fractional exponent (refused as not finite).
        static func pow(_ base: Double, _ exponent: Double) -> Double {
            Glibc.pow(base, exponent)
        }
    }
}
