/// JSON as the generator sees it: object members keep their order and every value knows
/// where it stands in the file, so diagnostics can point at a line.
indirect enum SpecJSON: Equatable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([SpecJSON])
    case object([(key: String, value: SpecJSON)])

    static func == (lhs: SpecJSON, rhs: SpecJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.integer(let a), .integer(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && a.sorted { $0.key < $1.key }.elementsEqual(b.sorted { $0.key < $1.key }) {
                $0.key == $1.key && $0.value == $1.value
            }
        default: false
        }
    }

    subscript(key: String) -> SpecJSON? {
        guard case .object(let members) = self else { return nil }
        return members.last { $0.key == key }?.value
    }

    var string: String? { if case .string(let s) = self { s } else { nil } }
    var object: [(key: String, value: SpecJSON)]? { if case .object(let m) = self { m } else { nil } }
    var array: [SpecJSON]? { if case .array(let a) = self { a } else { nil } }
    var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    var integer: Int? { if case .integer(let i) = self { i } else { nil } }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Compact or indented JSON text with sorted keys, so the same spec gives the same bytes.
    func rendered(indent: Int? = nil, level: Int = 0) -> String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .integer(let i): return String(i)
        case .number(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .string(let s): return SpecJSON.quote(s)
        case .array(let items):
            if items.isEmpty { return "[]" }
            guard let indent else { return "[" + items.map { $0.rendered() }.joined(separator: ",") + "]" }
            let pad = String(repeating: " ", count: indent * (level + 1))
            let close = String(repeating: " ", count: indent * level)
            return "[\n" + items.map { pad + $0.rendered(indent: indent, level: level + 1) }.joined(separator: ",\n") + "\n\(close)]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            var unique: [String: SpecJSON] = [:]
            for member in members { unique[member.key] = member.value }
            let sorted = unique.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
            guard let indent else {
                return "{" + sorted.map { SpecJSON.quote($0.key) + ":" + $0.value.rendered() }.joined(separator: ",") + "}"
            }
            let pad = String(repeating: " ", count: indent * (level + 1))
            let close = String(repeating: " ", count: indent * level)
            return "{\n" + sorted.map { pad + SpecJSON.quote($0.key) + ": " + $0.value.rendered(indent: indent, level: level + 1) }
                .joined(separator: ",\n") + "\n\(close)}"
        }
    }

    static func quote(_ text: String) -> String {
        QuotedText.quote(text) { "\\u" + String(repeating: "0", count: 4 - String($0, radix: 16).count) + String($0, radix: 16) }
    }
}

/// A small strict JSON reader that records the line and column of every value by its JSON
/// pointer. Foundation's parser gives no positions, and a spec error should name a line.
struct SpecJSONReader {
    struct Failure: Error { var line: Int; var column: Int; var message: String }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private(set) var positions: [String: (line: Int, column: Int)] = [:]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read() throws(Failure) -> SpecJSON {
        let value = try readValue(pointer: "#")
        skipWhitespace()
        if index < bytes.count { throw fail("unexpected text after the top-level value") }
        return value
    }

    private func fail(_ message: String) -> Failure {
        Failure(line: line, column: index - lineStart + 1, message: message)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"): line += 1; index += 1; lineStart = index
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): index += 1
            default: return
            }
        }
    }

    private mutating func readValue(pointer: String) throws(Failure) -> SpecJSON {
        skipWhitespace()
        positions[pointer] = (line, index - lineStart + 1)
        guard index < bytes.count else { throw fail("unexpected end of file") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try readObject(pointer: pointer)
        case UInt8(ascii: "["): return try readArray(pointer: pointer)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return try readNumber()
        }
    }

    private mutating func expect(_ word: String) throws(Failure) {
        let utf8 = Array(word.utf8)
        guard index + utf8.count <= bytes.count, Array(bytes[index..<index + utf8.count]) == utf8 else {
            throw fail("unexpected character")
        }
        index += utf8.count
    }

    private mutating func readObject(pointer: String) throws(Failure) -> SpecJSON {
        index += 1
        var members: [(key: String, value: SpecJSON)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try readString()
            if members.contains(where: { $0.key == key }) { throw fail("duplicate member '\(key)'") }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            let escaped = key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
            members.append((key, try readValue(pointer: pointer + "/" + escaped)))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func readArray(pointer: String) throws(Failure) -> SpecJSON {
        index += 1
        var items: [SpecJSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try readValue(pointer: pointer + "/\(items.count)"))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func readString() throws(Failure) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { if !raw.isEmpty { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() } }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                flush()
                return String(scalars)
            }
            if byte < 0x20 { throw fail("control character in string") }
            if byte == UInt8(ascii: "\\") {
                flush()
                index += 1
                guard index < bytes.count else { break }
                switch bytes[index] {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count,
                          let code = UInt32(String(decoding: bytes[index + 1...index + 4], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw fail("unsupported \\u escape (surrogates are not needed in a spec)") }
                    scalars.append(scalar)
                    index += 4
                default: throw fail("invalid escape")
                }
                index += 1
                continue
            }
            raw.append(byte)
            index += 1
        }
        throw fail("unterminated string")
    }

    private mutating func readNumber() throws(Failure) -> SpecJSON {
        let start = index
        while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if let integer = Int(text) { return .integer(integer) }
        if let number = Double(text) { return .number(number) }
        index = start
        throw fail("unexpected character")
    }
}
