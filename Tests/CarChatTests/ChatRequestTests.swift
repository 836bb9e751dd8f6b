import CarJSON
import Testing
@testable import CarChat


private func chat(_ extra: [String: JSONValue]) throws(ChatError) -> ChatRequest {
    var params: [String: JSONValue] = ["agent_id": "a1", "prompt": "hi"]
    for (k, v) in extra { params[k] = v }
    return try ChatRequest(params: .object(params))
}

@Suite struct ChatRequestTests {
    @Test func mintsSessionIDWhenAbsentOrEmpty() throws {
        let a = try chat([:])
        #expect(a.sessionIDMinted)
        #expect(a.sessionID.count == 36)
        let b = try chat(["session_id": ""])
        #expect(b.sessionIDMinted)
        #expect(a.sessionID != b.sessionID)
        let c = try chat(["session_id": "s-1"])
        #expect(c.sessionID == "s-1")
        #expect(!c.sessionIDMinted)
        #expect(c.stream)
    }

    @Test func plainValuesAndDefaults() throws {
        let r = try ChatRequest(agentID: "a", prompt: "p", sessionID: "s", stream: false, model: "  ")
        #expect(!r.stream)
        #expect(r.model == nil)
        #expect(r.attachments == nil)
        #expect(r.goal == nil)
        let m = try ChatRequest(agentID: "a", prompt: "p", model: "gpt-x")
        #expect(m.model == "gpt-x")
    }

    @Test func refusesWrongTypesAndMissingFields() {
        #expect(refusal { _ = try ChatRequest(params: .array([])) }?.kind == .invalid)
        #expect(refusal { _ = try ChatRequest(params: ["prompt": "x"]) }?.message.contains("agent_id") == true)
        #expect(refusal { _ = try ChatRequest(params: ["agent_id": "a"]) }?.message.contains("prompt") == true)
        #expect(refusal { _ = try chat(["stream": "yes"]) }?.message.contains("stream") == true)
        #expect(refusal { _ = try chat(["session_id": 5]) }?.message.contains("session_id") == true)
        #expect(refusal { _ = try chat(["model": true]) }?.message.contains("model") == true)
        #expect(refusal { _ = try chat(["attachments": "x"]) }?.message.contains("attachments") == true)
        #expect(refusal { _ = try ChatRequest(agentID: "", prompt: "p") }?.message.contains("agent_id") == true)
        #expect(refusal { _ = try chat(["session_id": "a\nb"]) }?.message.contains("control") == true)
    }

    @Test func byteCaps() {
        let big = String(repeating: "x", count: ChatLimits.promptBytes + 1)
        #expect(refusal { _ = try ChatRequest(agentID: "a", prompt: big) }?.message.contains("prompt") == true)
        #expect(throws: Never.self) { _ = try ChatRequest(agentID: "a", prompt: String(big.dropLast())) }
        let longID = String(repeating: "i", count: ChatLimits.idBytes + 1)
        #expect(refusal { _ = try ChatRequest(agentID: longID, prompt: "p") }?.message.contains("agent_id") == true)
        #expect(refusal { _ = try ChatRequest(agentID: "a", prompt: "p", sessionID: longID) }?.message.contains("session_id") == true)
        #expect(refusal { _ = try ChatRequest(agentID: "a", prompt: "p", model: longID) }?.message.contains("model") == true)
    }

    @Test func validAttachmentsAreForwardedVerbatim() throws {
        let b64: JSONValue = ["type": "image_base64", "data": "aGk=", "media_type": "image/webp"]
        let url: JSONValue = ["type": "image_url", "url": "HTTPS://example.com/a.png", "detail": "auto"]
        let r = try chat(["attachments": [b64, url]])
        #expect(r.attachments?.map(\.json) == [b64, url])
        #expect(r.agentChatParams()["attachments"] == .array([b64, url]))
        for media in ["image/png", "image/jpeg", "image/gif", "image/webp"] {
            _ = try chat(["attachments": [["type": "image_base64", "data": "", "media_type": .string(media)]]])
        }
        #expect(try chat(["attachments": []]).attachments == nil)
        #expect(try chat(["attachments": nil]).attachments == nil)
    }

    @Test func badAttachmentsNameTheEntryAndTheRule() {
        let ok: JSONValue = ["type": "image_url", "url": "http://h/x"]
        let cases: [(JSONValue, String)] = [
            ("just a string", "must be an object"),
            (["data": "x"], "type must be"),
            (["type": "image_file", "path": "/x"], "type must be"),
            (["type": "image_base64", "media_type": "image/png"], "string data"),
            (["type": "image_base64", "data": 7, "media_type": "image/png"], "string data"),
            (["type": "image_base64", "data": "x", "media_type": "image/bmp"], "media_type"),
            (["type": "image_base64", "data": "x"], "media_type"),
            (["type": "image_url"], "string url"),
            (["type": "image_url", "url": "ftp://h/x"], "http(s)"),
            (["type": "image_url", "url": "file:///etc/passwd"], "http(s)"),
            (["type": "image_url", "url": "https://"], "http(s)"),
            (["type": "image_url", "url": "https://h/a b"], "http(s)"),
            (["type": "image_url", "url": .string("https://h/" + String(repeating: "a", count: ChatLimits.urlBytes))], "url is"),
            (["type": "image_url", "url": "https://h", "detail": .string(String(repeating: "d", count: ChatLimits.attachmentExtraBytes))], "other than"),
        ]
        for (entry, rule) in cases {
            let error = refusal { _ = try chat(["attachments": [ok, entry]]) }
            #expect(error?.kind == .invalid)
            #expect(error?.message.contains("attachments[1]") == true, "\(entry)")
            #expect(error?.message.contains(rule) == true, "\(entry): \(error?.message ?? "")")
        }
    }

    @Test func attachmentCountAndSizeBounds() {
        let one: JSONValue = ["type": "image_url", "url": "http://h/x"]
        let many = JSONValue.array(Array(repeating: one, count: ChatLimits.maxAttachments + 1))
        #expect(refusal { _ = try chat(["attachments": many]) }?.message.contains("entries") == true)
        let data = JSONValue.string(String(repeating: "A", count: ChatLimits.attachmentDataBytes + 1))
        let huge: JSONValue = ["type": "image_base64", "data": data, "media_type": "image/png"]
        #expect(refusal { _ = try chat(["attachments": [huge]]) }?.message.contains("attachments[0].data") == true)
        let full = JSONValue.string(String(repeating: "A", count: ChatLimits.attachmentDataBytes))
        let big: JSONValue = ["type": "image_base64", "data": full, "media_type": "image/png"]
        #expect(refusal { _ = try chat(["attachments": .array(Array(repeating: big, count: 4))]) }?.message.contains("in all") == true)
    }

    @Test func goalRules() throws {
        let g = try #require(try chat(["goal": ["check": "  make test \n"]]).goal)
        #expect(g.check == "make test")
        #expect(g.maxIterations == 8)
        #expect(try chat(["goal": ["check": "x", "max_iterations": 0]]).goal?.maxIterations == 1)
        #expect(try chat(["goal": ["check": "x", "max_iterations": -5]]).goal?.maxIterations == 1)
        #expect(try chat(["goal": ["check": "x", "max_iterations": 51]]).goal?.maxIterations == 50)
        #expect(try chat(["goal": ["check": "x", "max_iterations": 12]]).goal?.maxIterations == 12)
        #expect(try chat(["goal": ["check": "x", "max_iterations": 3.7]]).goal?.maxIterations == 3)
        #expect(try chat(["goal": ["check": "x", "max_iterations": 1e300]]).goal?.maxIterations == 50)
        #expect(try chat(["goal": nil]).goal == nil)
        #expect(refusal { _ = try chat(["goal": ["check": "   "]]) }?.message.contains("non-empty") == true)
        #expect(refusal { _ = try chat(["goal": ["max_iterations": 3]]) }?.message.contains("goal.check") == true)
        #expect(refusal { _ = try chat(["goal": ["check": "x", "max_iterations": "3"]]) }?.message.contains("max_iterations") == true)
        #expect(refusal { _ = try chat(["goal": "make test"]) }?.message.contains("object") == true)
        let long = JSONValue.string(String(repeating: "c", count: ChatLimits.checkBytes + 1))
        #expect(refusal { _ = try chat(["goal": ["check": long]]) }?.message.contains("goal.check") == true)
        let att: JSONValue = ["type": "image_url", "url": "http://h/x"]
        #expect(refusal { _ = try chat(["goal": ["check": "x"], "attachments": [att]]) }?.message.contains("combined") == true)
    }

    @Test func agentChatParamsShape() throws {
        let r = try chat(["session_id": "s", "model": "m"])
        let standing = try ChatGoal(check: "true", maxIterations: 3)
        let params = r.agentChatParams(standingGoal: standing, context: ["k": 1])
        #expect(params == ["session_id": "s", "prompt": "hi", "model": "m",
                           "goal": ["check": "true", "max_iterations": 3], "context": ["k": 1]])
        let inline = try chat(["session_id": "s", "goal": ["check": "inline"]])
        #expect(inline.agentChatParams(standingGoal: standing)["goal"]?["check"] == "inline")
        #expect(try chat(["session_id": "s"]).agentChatParams() == ["session_id": "s", "prompt": "hi"])
    }
}
