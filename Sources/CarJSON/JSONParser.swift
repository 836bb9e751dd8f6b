import Glibc

/// A strict RFC 8259 parser over raw bytes. Every request of the server passes through it, so
/// it works on a buffer pointer, builds strings without escapes in one step, and keeps
/// integers exact. Nesting deeper than `maxDepth` is refused instead of recursing without end.
public enum JSONParser {
    public static let maxDepth = 512

    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes)
        reader.skipWhitespace()
        let value = try reader.parseValue(depth: 0)
        reader.skipWhitespace()
        guard reader.atEnd else { throw reader.error("unexpected data after the JSON value") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) in try parse(raw) } }
        return try result.get()
    }

    /// Like `parse`, but a top-level object comes back as its members in document order,
    /// unhashed: a reader that looks at a handful of known keys once (a JSON-RPC envelope)
    /// skips building a dictionary it would throw away.
    public static func parseDocument(_ bytes: [UInt8]) throws(JSONParseError) -> JSONDocument {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONDocument in
                var reader = Reader(raw)
                reader.skipWhitespace()
                let document: JSONDocument
                if reader.peek() == UInt8(ascii: "{") {
                    document = .object(try reader.parseOutermostMembers())
                } else {
                    document = .value(try reader.parseValue(depth: 0))
                }
                reader.skipWhitespace()
                guard reader.atEnd else { throw reader.error("unexpected data after the JSON value") }
                return document
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { utf8 in Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(utf8)) } }
        return try result.get()
    }
}

private struct Reader {
    let base: UnsafePointer<UInt8>?
    let count: Int
    var index = 0
    /// Members of the objects being parsed, innermost last. Each object takes its members off
    /// the top once it is complete and builds its dictionary at its final size, so parsing an
    /// object never rehashes a growing dictionary; the stack's storage is reused throughout.
    var pendingMembers: [JSONMember] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        count = bytes.count
    }

    var atEnd: Bool { index >= count }

    @inline(__always) func peek() -> UInt8? { index < count ? base![index] : nil }

    func error(_ message: String) -> JSONParseError {
        JSONParseError(offset: index, message: message)
    }

    func unexpected() -> JSONParseError {
        guard let byte = peek() else { return error("unexpected end of input") }
        if byte >= 0x20 && byte < 0x7F { return error("unexpected character '\(Character(Unicode.Scalar(byte)))'") }
        return error("unexpected byte 0x\(String(byte, radix: 16))")
    }

    @inline(__always) mutating func skipWhitespace() {
        while index < count {
            switch base![index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw unexpected()
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        guard index + length <= count, memcmp(base! + index, literal.utf8Start, length) == 0 else {
            throw error("invalid literal, expected \(literal)")
        }
        index += length
    }

    /// With `keepingMembers` the members stay on `pendingMembers` for the caller and the
    /// returned dictionary is empty.
    mutating func parseObject(depth: Int, keepingMembers: Bool = false) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return .object([:])
        }
        let first = pendingMembers.count
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw atEnd ? unexpected() : error("expected a string key") }
            let key = try parseKey()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw atEnd ? unexpected() : error("expected ':' after an object key") }
            index += 1
            skipWhitespace()
            if pendingMembers.capacity == 0 { pendingMembers.reserveCapacity(16) }
            pendingMembers.append(JSONMember(key: key, value: try parseValue(depth: depth)))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                index += 1
                if keepingMembers { return .object([:]) }
                var members = [String: JSONValue](minimumCapacity: pendingMembers.count - first)
                // A repeated key keeps its last value, as before.
                for member in pendingMembers[first...] { members[member.key] = member.value }
                pendingMembers.removeSubrange(first...)
                return .object(members)
            default:
                throw atEnd ? unexpected() : error("expected ',' or '}' in an object")
            }
        }
    }

    /// The outermost object's members in document order, repeated keys included. They are the
    /// whole member stack then, so the buffer is handed over rather than copied.
    mutating func parseOutermostMembers() throws(JSONParseError) -> [JSONMember] {
        _ = try parseObject(depth: 1, keepingMembers: true)
        var members: [JSONMember] = []
        swap(&members, &pendingMembers)
        return members
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw atEnd ? unexpected() : error("expected ',' or ']' in an array")
            }
        }
    }

    /// The JSON-RPC envelope's keys, which every message repeats: matched as bytes and
    /// answered with a literal, skipping the String construction and its UTF-8 scan.
    private static let commonKeys: [(bytes: [UInt8], text: String)] =
        ["jsonrpc", "id", "method", "params", "result", "error", "code", "message", "data"].map { (Array($0.utf8), $0) }

    mutating func parseKey() throws(JSONParseError) -> String {
        let start = index + 1
        for key in Self.commonKeys {
            let end = start + key.bytes.count
            guard end < count, base![end] == UInt8(ascii: "\""),
                  key.bytes.withUnsafeBufferPointer({ memcmp(base! + start, $0.baseAddress!, $0.count) == 0 }) else { continue }
            index = end + 1
            return key.text
        }
        return try parseString()
    }

    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        // Fast path: no escapes. The common case becomes one String from the byte range.
        let run = StringScan.plainRun(base!, from: start, to: count)
        index = run.end
        guard index < count else { throw error("unterminated string") }
        switch base![index] {
        case UInt8(ascii: "\""):
            let range = UnsafeBufferPointer(start: base! + start, count: index - start)
            index += 1
            if !run.sawNonASCII { return String(decoding: range, as: UTF8.self) }
            guard let text = String(validating: range, as: UTF8.self) else {
                index = start
                throw error("string is not valid UTF-8")
            }
            return text
        case UInt8(ascii: "\\"):
            return try parseEscapedString(from: start)
        default:
            throw error("control character in a string")
        }
    }

    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var bytes = [UInt8](UnsafeBufferPointer(start: base! + start, count: index - start))
        while index < count {
            let byte = base![index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: bytes, as: UTF8.self) else { throw error("string is not valid UTF-8") }
                return text
            case UInt8(ascii: "\\"):
                index += 1
                guard let escape = peek() else { throw error("unterminated string") }
                index += 1
                switch escape {
                case UInt8(ascii: "\""): bytes.append(0x22)
                case UInt8(ascii: "\\"): bytes.append(0x5C)
                case UInt8(ascii: "/"): bytes.append(0x2F)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "u"): appendScalar(try parseUnicodeEscape(), to: &bytes)
                default:
                    index -= 1
                    throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in a string") }
                bytes.append(byte)
                index += 1
            }
        }
        throw error("unterminated string")
    }

    /// After `\u`: one code unit, or a surrogate pair. A lone surrogate (Python's json can
    /// emit one) becomes U+FFFD rather than failing the whole request.
    private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let unit = try parseHex4()
        if (0xD800...0xDBFF).contains(unit) {
            if index + 6 <= count, base![index] == UInt8(ascii: "\\"), base![index + 1] == UInt8(ascii: "u") {
                let saved = index
                index += 2
                let low = try parseHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))!
                }
                index = saved
            }
            return "\u{FFFD}"
        }
        if (0xDC00...0xDFFF).contains(unit) { return "\u{FFFD}" }
        return Unicode.Scalar(unit)!
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = base![index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func appendScalar(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) {
        for unit in UTF8.encode(scalar)! { bytes.append(unit) }
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var negative = false
        if base![index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard let first = peek(), first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else {
            throw error("expected a digit")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") { throw error("leading zeros are not allowed") }
        } else {
            while let digit = peek(), digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") {
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (plus, o2) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                overflow = overflow || o1 || o2
                magnitude = plus
                index += 1
            }
        }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard try skipDigits() > 0 else { throw error("expected a digit after '.'") }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            integral = false
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            guard try skipDigits() > 0 else { throw error("expected a digit in the exponent") }
        }
        if integral && !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude)) }
        }
        return .double(doubleValue(start: start, end: index))
    }

    private mutating func skipDigits() throws(JSONParseError) -> Int {
        var digits = 0
        while let digit = peek(), digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") {
            index += 1
            digits += 1
        }
        return digits
    }

    /// strtod needs a terminated string; numbers are short, so a stack buffer does.
    private func doubleValue(start: Int, end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            for offset in 0..<length { buffer[offset] = CChar(bitPattern: base![start + offset]) }
            buffer[length] = 0
            return strtod(buffer.baseAddress!, nil)
        }
    }
}
