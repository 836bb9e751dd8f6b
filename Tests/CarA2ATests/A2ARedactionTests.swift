import CarA2UI
import CarJSON
import Testing
@testable import CarA2A

/// Keeping a route credential out of what a peer sends back (review15b #7): every string and
/// key of a reply, however deep and whatever the writer would escape, and the route's size cut.
@Suite struct A2ARedactionTests {
    static let secret = "tok-SECRET-123"

    /// No serialized form of the value holds the secret.
    static func free(of secret: String, _ value: JSONValue) -> Bool {
        !JSONWriter.string(value).contains(secret) && !JSONWriter.prettyString(value).contains(secret) && !holds(secret, value)
    }

    static func holds(_ secret: String, _ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): return bytes(Array(text.utf8), contain: Array(secret.utf8))
        case .array(let elements): return elements.contains { holds(secret, $0) }
        case .object(let members): return members.contains { holds(secret, .string($0.key)) || holds(secret, $0.value) }
        default: return false
        }
    }

    static func bytes(_ bytes: [UInt8], contain needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { Array(bytes[$0..<($0 + needle.count)]) == needle }
    }

    @Test func nestedStringsAndKeysAreRedacted() {
        let value: JSONValue = [
            "task": [
                "id": "t1",
                "history": [["parts": [["text": .string("you sent Bearer \(Self.secret), twice: \(Self.secret)")]]]],
                "metadata": ["header-\(Self.secret)": ["deeper": [[Self.secret: 1]]]],
            ],
            "list": [1, .null, true, .string(Self.secret), [.string("x\(Self.secret)y")]],
        ]
        let redacted = A2ARedaction.redacting(Self.secret, in: value)
        #expect(Self.free(of: Self.secret, redacted))
        #expect(redacted["task"]?["id"] == "t1", "what does not hold the secret is kept")
        #expect(redacted["task"]?["history"]?[0]?["parts"]?[0]?["text"] == "you sent Bearer <redacted>, twice: <redacted>")
        #expect(redacted["task"]?["metadata"]?["header-<redacted>"]?["deeper"]?[0]?["<redacted>"] == 1)
        #expect(redacted["list"] == [1, .null, true, "<redacted>", ["x<redacted>y"]])
    }

    @Test func aValueWithoutTheSecretIsUnchanged() {
        let value: JSONValue = ["a": [1, 2.5, "text", ["k": .null]], "b": false]
        #expect(A2ARedaction.redacting(Self.secret, in: value) == value)
        #expect(A2ARedaction.redacting("", in: value) == value, "an empty secret redacts nothing")
        #expect(A2ARedaction.redacting(nil as A2UIRouteAuth?, in: value) == value)
    }

    /// The old test was a substring search of the serialized JSON, where `"` and `\` are escaped:
    /// a secret holding them was never found.
    @Test func secretsWithQuotesAndBackslashesAreFound() {
        // Serialized, these secrets are spelled otherwise: a substring search misses them.
        #expect(!JSONWriter.string(["echo": "got ab\"cd"]).contains("ab\"cd"))
        #expect(!JSONWriter.string(["echo": "got ab\\cd"]).contains("ab\\cd"))
        for secret in ["ab\"cd", "ab\\cd", "\\\"", "x\ny", "tab\there", "quote\"and\\both", "é\u{301}ü"] {
            let value: JSONValue = ["echo": .string("got [\(secret)]"), secret: .string(secret), "n": [.string(secret)]]
            let redacted = A2ARedaction.redacting(secret, in: value)
            #expect(Self.free(of: secret, redacted), "\(secret.debugDescription): \(redacted)")
            #expect(redacted["echo"] == "got [<redacted>]")
            #expect(redacted["<redacted>"] == "<redacted>")
        }
    }

    @Test func credentialsGiveTheirSecret() {
        let value: JSONValue = ["echo": "Authorization: Bearer b-token; X-Key: h\"value\\"]
        #expect(A2ARedaction.redacting(A2UIRouteAuth.bearer(token: "b-token"), in: value)
                == ["echo": "Authorization: Bearer <redacted>; X-Key: h\"value\\"])
        #expect(A2ARedaction.redacting(A2UIRouteAuth.header(name: "X-Key", value: "h\"value\\"), in: value)
                == ["echo": "Authorization: Bearer b-token; X-Key: <redacted>"])
        #expect(A2ARedaction.redacting(A2UIRouteAuth.header(name: "X-Key", value: "h\"value\\"), in: "X-Key: h\"value\\!") == "X-Key: <redacted>!")
    }

    @Test func textRedactionMatchesBytesAndLeavesNoTrace() {
        // Overlapping echoes go as one: no piece of either is left.
        #expect(A2ARedaction.redacting("aba", in: "xababay") == "x<redacted>y")
        #expect(A2ARedaction.redacting("aa", in: "aaaa") == "<redacted>")
        // A secret followed by a combining mark is one Character longer, but its bytes are there.
        #expect(A2ARedaction.redacting("abc", in: "abc\u{301}") == "<redacted>\u{301}")
        // A replacement that spells the secret anew replaces the whole text.
        #expect(A2ARedaction.redacting(">s", in: ">s>ss") == "<redacted>")
        // Repeats and near misses (linear whatever the text).
        let long = String(repeating: "a", count: 100_000)
        #expect(A2ARedaction.redacting(String(repeating: "a", count: 999) + "b", in: long) == long)
        #expect(A2ARedaction.redacting("secret", in: "no secre t here") == "no secre t here")
    }

    @Test func keysThatMeetAfterRedactionKeepOneMemberTheSameWayEveryTime() {
        let value: JSONValue = ["k\(Self.secret)": 1, "k<redacted>": 2, Self.secret: 3]
        let once = A2ARedaction.redacting(Self.secret, in: value)
        #expect(once == ["k<redacted>": 2, "<redacted>": 3], "a key already there keeps its member")
        for _ in 0..<20 { #expect(A2ARedaction.redacting(Self.secret, in: value) == once) }
        let renamedOnly: JSONValue = ["a\(Self.secret)": 1, "a\(Self.secret)\(Self.secret)": 2]
        // Both become "a<redacted>" / "a<redacted><redacted>": distinct, both kept.
        #expect(A2ARedaction.redacting(Self.secret, in: renamedOnly) == ["a<redacted>": 1, "a<redacted><redacted>": 2])
    }

    @Test func aNumericSecretEchoedAsANumberIsRedacted() {
        let value: JSONValue = ["pin": 123456, "other": 7, "f": .double(1234567.5), "s": "123456"]
        let redacted = A2ARedaction.redacting("123456", in: value)
        #expect(redacted == ["pin": "<redacted>", "other": 7, "f": "<redacted>", "s": "<redacted>"])
        // A secret that cannot be a number's text leaves numbers alone.
        #expect(A2ARedaction.redacting("12a", in: ["n": 12]) == ["n": 12])
    }

    // MARK: The route's result

    static func task(historyText: String) -> JSONValue {
        ["task": ["id": "t1", "contextId": "c1", "status": ["state": "TASK_STATE_WORKING", "timestamp": "2026-01-01T00:00:00Z"],
                  "history": [["messageId": "m1", "role": "ROLE_AGENT", "parts": [["text": .string(historyText)]]]]]]
    }

    @Test func aSmallResultIsKeptRedacted() {
        let result = Self.task(historyText: "echo: \(Self.secret)")
        let route = A2ARedaction.routeResult(result, credential: .bearer(token: Self.secret))
        #expect(route == Self.task(historyText: "echo: <redacted>"))
        #expect(route["truncated"] == nil)
        #expect(A2ARedaction.routeResult(result, credential: nil) == result)
    }

    @Test func aTaskPastTheBoundIsCutToWhatNamesIt() {
        let big = Self.task(historyText: String(repeating: "z", count: A2ARedaction.maxRouteResultBytes))
        let route = A2ARedaction.routeResult(big, credential: .header(name: "X-Key", value: "key-value-9"))
        #expect(route == ["task": ["id": "t1", "contextId": "c1", "status": ["state": "TASK_STATE_WORKING"]], "truncated": true])
        // Just under the bound is kept whole; just over is cut.
        let base = JSONWriter.encodedCount(Self.task(historyText: ""))
        let fits = Self.task(historyText: String(repeating: "z", count: A2ARedaction.maxRouteResultBytes - base))
        #expect(JSONWriter.encodedCount(fits) == A2ARedaction.maxRouteResultBytes)
        #expect(A2ARedaction.routeResult(fits, credential: nil) == fits)
        let over = Self.task(historyText: String(repeating: "z", count: A2ARedaction.maxRouteResultBytes - base + 1))
        #expect(A2ARedaction.routeResult(over, credential: nil)["truncated"] == true)
        #expect(A2ARedaction.routeResult(fits, credential: nil, maxBytes: 100)["truncated"] == true)
    }

    @Test func aMessagePastTheBoundIsCutToItsID() {
        let big: JSONValue = ["message": ["messageId": "r1", "role": "ROLE_AGENT",
                                          "parts": [["text": .string(String(repeating: "m", count: 70_000))]]]]
        #expect(A2ARedaction.routeResult(big, credential: nil) == ["message": ["messageId": "r1"], "truncated": true])
        // A 0.3 reply that did not convert is named in its own shape.
        let legacy: JSONValue = ["kind": "task", "id": "t9", "contextId": "c9", "status": ["state": "working"],
                                 "history": [["parts": [["kind": "text", "text": .string(String(repeating: "m", count: 70_000))]]]]]
        #expect(A2ARedaction.routeResult(legacy, credential: nil)
                == ["task": ["id": "t9", "contextId": "c9", "status": ["state": "working"]], "truncated": true])
        #expect(A2ARedaction.routeResult(.array(Array(repeating: "m", count: 40_000)), credential: nil) == ["truncated": true])
    }

    /// The summary is built from the redacted result, and a huge id is clipped.
    @Test func theSummaryIsRedactedAndSmall() {
        let id = Self.secret + String(repeating: "i", count: 100_000)
        let big: JSONValue = ["task": ["id": .string(id), "contextId": .string("c-\(Self.secret)"), "status": ["state": "TASK_STATE_WORKING"]]]
        let route = A2ARedaction.routeResult(big, credential: .bearer(token: Self.secret))
        #expect(Self.free(of: Self.secret, route))
        #expect(route["truncated"] == true)
        #expect(route["task"]?["contextId"] == "c-<redacted>")
        #expect(JSONWriter.encodedCount(route) < 1024)
        #expect(route["task"]?["id"]?.stringValue?.hasPrefix("<redacted>iii") == true)
        #expect(route["task"]?["id"]?.stringValue?.hasSuffix("…") == true)
        // Clipping keeps whole scalars.
        #expect(A2ARedaction.clip(String(repeating: "é", count: 200), to: 5) == "éé…")
    }
}
