import Testing
@testable import CarJSON
import CarTestSupport

@Suite("JSON parser and writer")
struct JSONParserTests {
    @Test(arguments: [
        "[1,]", "{\"a\":1,}", "01", "-01", "{\"a\" 1}", "\"\u{01}\"", "tru", "nul", "1.", ".5", "-", "1e", "1e+",
        "[1 2]", "{a:1}", "{\"a\":}", "'x'", "NaN", "Infinity", "[", "{", "\"abc", "\"\\x\"", "\"\\u12\"",
        "\"\\u12G4\"", "1 2", "[]]", "{}}", "", "   ", "// c\n1", "[1,,2]", "{\"a\":1 \"b\":2}", "+1", "0x10",
        "\u{FEFF}1", "[\"a\"\n,]", "true false", "{\"a\":1}x", "[-]",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { _ = try JSONParser.parse(text) }
    }

    @Test func reportsWhereTheProblemIs() {
        do {
            _ = try JSONParser.parse(#"{"a": [1, 2,]}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.offset == 12)
            #expect(error.description.contains("at byte 12"))
        }
    }

    @Test func refusesNestingBeyondTheLimitWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { _ = try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(throws: Never.self) { _ = try JSONParser.parse(fine) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParseError.self) { _ = try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSONParseError.self) { _ = try JSONParser.parse([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22]) }
    }

    @Test func classifiesNumbers() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONParser.parse("1.0") == .double(1))
        #expect(try JSONParser.parse("-0") == .int(0))
        #expect(try JSONParser.parse("2.5e-3") == .double(0.0025))
        #expect(try JSONParser.parse("1E2") == .double(100))
        #expect(try JSONParser.parse("0.1") == .double(0.1))
    }

    @Test func decodesEscapesAndSurrogates() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\t\r\b\f""#) == .string("a\"b\\c/d\n\t\r\u{8}\u{C}"))
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude97""#) == .string("é🚗"))
        #expect(try JSONParser.parse(#""x\ud800y""#) == .string("x\u{FFFD}y"))
        #expect(try JSONParser.parse(#""\udc00""#) == .string("\u{FFFD}"))
        #expect(try JSONParser.parse("\"héllo\"") == .string("héllo"))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func writesSortedKeysAndEscapes() {
        let value: JSONValue = ["b": [1, 2.5, nil, true], "a": "q\"\\\n\u{1}é/", "c": [:]]
        #expect(JSONWriter.string(value) == #"{"a":"q\"\\\n\u0001é/","b":[1,2.5,null,true],"c":{}}"#)
        #expect(JSONWriter.string(.double(1)) == "1.0")
        #expect(JSONWriter.string(.double(.nan)) == "null")
        #expect(JSONWriter.string(.int(.min)) == "-9223372036854775808")
        #expect(JSONWriter.string(.double(1e-7)) == "1e-07")
    }

    @Test func prettyPrintsWithTwoSpaces() {
        #expect(JSONWriter.prettyString(["a": [1], "b": [:]]) == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
    }

    @Test func randomValuesRoundTrip() throws {
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<400 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let text = JSONWriter.bytes(value)
            #expect(try JSONParser.parse(text) == value, "\(String(decoding: text, as: UTF8.self))")
        }
    }

    @Test func encodedCountIsTheLengthOfTheBytes() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<400 {
            let value = Self.randomValue(depth: 0, using: &generator)
            #expect(JSONWriter.encodedCount(value) == JSONWriter.bytes(value).count, "\(JSONWriter.string(value))")
        }
    }

    /// The eight-byte scan must see a special byte at every offset within and across words.
    @Test func aSpecialByteAtEveryOffsetOfALongString() throws {
        for offset in 0..<24 {
            for special in ["\"", "\\", "\n", "\u{1}", "\u{1F}", "é"] {
                var text = String(repeating: "a", count: 24)
                text.insert(contentsOf: special, at: text.index(text.startIndex, offsetBy: offset))
                let bytes = JSONWriter.bytes(.string(text))
                #expect(try JSONParser.parse(bytes) == .string(text))
                #expect(JSONWriter.encodedCount(.string(text)) == bytes.count)
            }
            var raw = Array(("\"" + String(repeating: "a", count: 24) + "\"").utf8)
            raw[1 + offset] = 0x1F
            #expect(throws: JSONParseError.self) { try JSONParser.parse(raw) }
        }
    }

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        let pick = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator))
        case 3: return .double(Double.random(in: -1e12...1e12, using: &generator))
        case 4:
            let scalars: [Character] = ["a", "é", "\"", "\\", "\n", "\u{1}", "🚗", "z", " ", "/"]
            // Some long enough for the eight-byte scan, with the odd escape anywhere in them.
            let length = Int.random(in: 0..<(Bool.random(using: &generator) ? 12 : 60), using: &generator)
            return .string(String((0..<length).map { _ in
                Int.random(in: 0..<4, using: &generator) == 0 ? scalars.randomElement(using: &generator)! : "x"
            }))
        case 5: return .array((0..<Int.random(in: 0..<5, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for index in 0..<Int.random(in: 0..<5, using: &generator) { members["k\(index)"] = randomValue(depth: depth + 1, using: &generator) }
            return .object(members)
        }
    }
}
