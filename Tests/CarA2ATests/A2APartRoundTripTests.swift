import CarJSON
import Testing
@testable import CarA2A

/// Every part form, in both versions: what the codec writes it reads back, and what the task
/// log writes it replays (review15b #2: a data part holding null was written as `{"data": null}`
/// and then refused on replay, so the daemon could not open its store).
@Suite struct A2APartRoundTripTests {
    /// The forms both versions carry whole.
    static let sharedForms: [(String, A2APart)] = [
        ("text", .text("hi")),
        ("empty text", .text("")),
        ("text with metadata", A2APart(.text("meta"), metadata: ["k": "v", "n": 1])),
        ("data object", .data(["n": 1, "list": [1, "a"], "nested": ["x": .null]])),
        ("data empty object", .data([:])),
        ("data array", .data([1, "two", .null, ["k": false]])),
        ("data empty array", .data([])),
        ("data string", .data("just a string")),
        ("data int", .data(.int(-7))),
        ("data double", .data(.double(1.5))),
        ("data small double", .data(.double(1e-7))),
        ("data integral double", .data(.double(2.0))),
        ("data true", .data(true)),
        ("data false", .data(false)),
        ("data null", .data(.null)),
        ("data null with metadata", A2APart(.data(.null), metadata: ["source": "tool"])),
        ("data string with metadata", A2APart(.data("s"), metadata: ["source": "tool"])),
        ("data object with metadata", A2APart(.data(["a": 1]), metadata: ["source": "tool"])),
        ("raw", A2APart(.raw([0, 1, 0x62, 0x69, 0xFF]))),
        ("raw empty", A2APart(.raw([]))),
        ("raw with media type", A2APart(.raw([1, 2, 3]), mediaType: "application/octet-stream")),
        ("raw with filename", A2APart(.raw([1, 2, 3]), filename: "blob.bin")),
        ("raw with both", A2APart(.raw([1, 2, 3]), mediaType: "application/octet-stream", filename: "blob.bin")),
        ("raw with metadata", A2APart(.raw([9]), mediaType: "image/png", filename: "a.png", metadata: ["w": 1])),
        ("url", A2APart(.url("https://example.invalid/f.pdf"))),
        ("url with media type", A2APart(.url("https://example.invalid/f.pdf"), mediaType: "application/pdf")),
        ("url with filename", A2APart(.url("https://example.invalid/f.pdf"), filename: "f.pdf")),
        ("url with both", A2APart(.url("https://example.invalid/f.pdf"), mediaType: "application/pdf", filename: "f.pdf")),
        ("url with metadata", A2APart(.url("file:///tmp/x"), metadata: ["k": ["deep": [1]]])),
    ]

    /// Forms only 1.0 carries: 0.3 text and data parts have no media type or file name (the
    /// SDK's 0.3 adapter drops them too).
    static let oneDotZeroForms: [(String, A2APart)] = [
        ("text with media type", A2APart(.text("# t"), mediaType: "text/markdown")),
        ("text with filename", A2APart(.text("t"), filename: "notes.txt")),
        ("data with media type", A2APart(.data(["a": 1]), mediaType: "application/json")),
        ("data null with media type", A2APart(.data(.null), mediaType: "application/json", filename: "n.json")),
    ]

    static func forms(_ version: A2AProtocolVersion) -> [(String, A2APart)] {
        version == .v1_0 ? sharedForms + oneDotZeroForms : sharedForms
    }

    /// A task that holds the part in its history, its status message and an artifact.
    static func task(holding part: A2APart) -> A2ATask {
        let user = A2AMessage(messageID: "m1", role: .user, parts: [.text("before"), part], contextID: "c1", taskID: "t1")
        let reply = A2AMessage(messageID: "m2", role: .agent, parts: [part], contextID: "c1", taskID: "t1")
        return A2ATask(id: "t1", contextID: "c1",
                       status: A2ATaskStatus(state: .completed, message: reply, timestamp: 1_796_252_556_787_000),
                       artifacts: [A2AArtifact(artifactID: "a1", name: "out", parts: [part, .text("after")])],
                       history: [user, reply])
    }

    @Test(arguments: A2AProtocolVersion.allCases)
    func everyPartFormRoundTripsThroughTheCodec(_ version: A2AProtocolVersion) throws {
        let codec = A2ACodec(version)
        for (name, part) in Self.forms(version) {
            #expect(try codec.part(codec.encode(part), path: "p") == part, "\(version.rawValue) \(name): \(codec.encode(part))")
            let task = Self.task(holding: part)
            let json = codec.encode(task)
            #expect(try codec.decodeTask(json) == task, "\(version.rawValue) \(name): \(json)")
            // And through the bytes, as a peer's reply or a request arrives.
            let parsed = try JSONParser.parse(JSONWriter.bytes(json))
            #expect(try codec.decodeTask(parsed) == task, "\(version.rawValue) \(name) (parsed): \(json)")
            #expect(try codec.decodeSendResult(codec.encode(A2ASendResult.task(task))) == .task(task), "\(version.rawValue) \(name)")
        }
    }

    @Test func everyPartFormRoundTripsThroughTheTaskLogLine() throws {
        for (name, part) in Self.forms(.v1_0) {
            let task = Self.task(holding: part)
            let line = A2ATaskLogReplay.line(for: task)
            #expect(line.last == 0x0A)
            switch A2ATaskLogReplay.record(Array(line.dropLast())) {
            case .success(let back): #expect(back == task, "\(name): \(String(decoding: line, as: UTF8.self))")
            case .failure(let reason): Issue.record("\(name): the log line does not replay: \(reason)")
            }
        }
    }

    /// What a 0.3 peer sends for a null data part comes through a 0.3 decode, the 1.0 log line
    /// and a 0.3 encode again.
    @Test func aNullDataPartCrossesVersionsAndTheLog() throws {
        let wire: JSONValue = ["kind": "data", "data": ["value": .null], "metadata": ["data_part_compat": true]]
        let part = try A2ACodec(.v0_3).part(wire, path: "p")
        #expect(part == .data(.null))
        #expect(A2ACodec(.v1_0).encode(part) == ["data": .null])
        #expect(A2ACodec(.v0_3).encode(part) == wire)
        let task = Self.task(holding: part)
        guard case .success(let back) = A2ATaskLogReplay.record(Array(A2ATaskLogReplay.line(for: task).dropLast())) else {
            Issue.record("the line does not replay")
            return
        }
        #expect(back == task)
    }

    @Test func oneDotZeroReadsANullDataMemberAsADataPart() throws {
        let codec = A2ACodec(.v1_0)
        #expect(try codec.part(["data": .null], path: "p") == .data(.null))
        #expect(try codec.part(["data": .null, "mediaType": "application/json", "metadata": ["k": 1]], path: "p")
                == A2APart(.data(.null), mediaType: "application/json", metadata: ["k": 1]))
        // Beside another content member a null reads as unset, as other null members do.
        #expect(try codec.part(["text": "hi", "data": .null], path: "p") == .text("hi"))
        #expect(try codec.part(["url": "https://x.invalid/", "data": .null], path: "p") == A2APart(.url("https://x.invalid/")))
        // Null text, raw or url is still unset: a part of only those holds nothing.
        #expect(throws: A2AError.self) { try codec.part(["text": .null], path: "p") }
        #expect(throws: A2AError.self) { try codec.part(["text": .null, "raw": .null, "url": .null], path: "p") }
        #expect(throws: A2AError.self) { try codec.part([:], path: "p") }
        // Two content members are still refused.
        #expect(throws: A2AError.self) { try codec.part(["text": "a", "data": 1], path: "p") }
    }

    @Test func aSendMessageWithANullDataPartIsAccepted() throws {
        let params: JSONValue = ["message": ["messageId": "m1", "role": "ROLE_USER", "parts": [["text": "hi"], ["data": .null]]]]
        let request = try A2ACodec(.v1_0).decodeSendRequest(params)
        #expect(request.message.parts == [.text("hi"), .data(.null)])
        let legacy: JSONValue = ["message": ["messageId": "m1", "role": "user", "kind": "message", "parts": [
            ["kind": "text", "text": "hi"], ["kind": "data", "data": ["value": .null], "metadata": ["data_part_compat": true]],
        ]]]
        #expect(try A2ACodec(.v0_3).decodeSendRequest(legacy).message.parts == [.text("hi"), .data(.null)])
    }

    @Test func aPeersReplyWithANullDataPartDecodes() throws {
        let reply: JSONValue = ["message": ["messageId": "r1", "role": "ROLE_AGENT", "parts": [["data": .null]]]]
        guard case .message(let message) = try A2ACodec(.v1_0).decodeSendResult(reply) else {
            Issue.record("not a message")
            return
        }
        #expect(message.parts == [.data(.null)])
    }

    /// 0.3's DataPart.data is a `dict` in the SDK's model: null and other non-objects are refused
    /// there, and so here (a null value travels wrapped under `data_part_compat`).
    @Test func zeroDotThreeStillRefusesADataMemberThatIsNotAnObject() {
        let codec = A2ACodec(.v0_3)
        for data: JSONValue in [.null, 1, "s", [1], true] {
            do {
                _ = try codec.part(["kind": "data", "data": data], path: "p")
                Issue.record("accepted \(data)")
            } catch {
                #expect(error.code == A2AError.invalidParamsCode)
                #expect(error.message.contains("p.data"), "\(error.message)")
            }
        }
        #expect(throws: A2AError.self) { try codec.part(["kind": "data"], path: "p") }
        // A peer's reply that does it is the peer's fault.
        let reply: JSONValue = ["kind": "message", "messageId": "r1", "role": "agent", "parts": [["kind": "data", "data": .null]]]
        do {
            _ = try codec.decodeSendResult(reply)
            Issue.record("accepted a null 0.3 data member")
        } catch {
            #expect(error.code == A2AError.invalidAgentResponseCode)
        }
    }

    /// The store end to end: a task with a null data part is saved, and the log opens again.
    @Test func aLogHoldingANullDataPartReopens() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        let first = Self.task(holding: .data(.null))
        var second = Self.task(holding: A2APart(.data(.null), metadata: ["k": "v"]))
        second.id = "t2"
        do {
            let store = try await A2ATaskLogStore.open(path: path)
            try await store.save(first)
            try await store.save(second)
        }
        let reopened = try await A2ATaskLogStore.open(path: path)
        #expect(reopened.repairedBytes == 0)
        #expect(reopened.count == 2)
        #expect(try await reopened.task(id: "t1") == first)
        #expect(try await reopened.task(id: "t2") == second)
    }
}
