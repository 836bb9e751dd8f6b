import CarJSON
import Testing
@testable import CarA2A

/// Both versions' shapes, both ways, and the field paths of refused params.
@Suite struct A2ACodecTests {
    static let micros: Int64 = 1_796_252_556_787_000

    static let sampleTask: A2ATask = {
        let user = A2AMessage(messageID: "m1", role: .user, parts: [
            .text("hi"),
            A2APart(.data(["n": 1, "list": [1, "a"]])),
            A2APart(.data([1, "two"])),
            A2APart(.raw([0, 1, 0x62, 0x69]), mediaType: "application/octet-stream", filename: "blob.bin"),
            A2APart(.url("https://example.invalid/f.pdf"), mediaType: "application/pdf", filename: "f.pdf"),
            A2APart(.text("meta"), metadata: ["k": "v"]),
        ], contextID: "c1", taskID: "t1", referenceTaskIDs: ["t0"])
        let reply = A2AMessage.agentText("done", taskID: "t1", contextID: "c1")
        return A2ATask(id: "t1", contextID: "c1",
                       status: A2ATaskStatus(state: .inputRequired, message: reply, timestamp: micros),
                       artifacts: [A2AArtifact(artifactID: "a1", name: "echo", parts: [.data(["ok": true])])],
                       history: [user, reply], metadata: ["origin": "test"])
    }()

    @Test func aTaskRoundTripsInBothVersions() throws {
        for version in A2AProtocolVersion.allCases {
            let codec = A2ACodec(version)
            let json = codec.encode(Self.sampleTask)
            let back = try codec.decodeTask(json)
            // 0.3 has no media type on text parts; everything else survives.
            #expect(back == Self.sampleTask, "\(version.rawValue): \(json)")
        }
    }

    @Test func oneDotZeroShapesAreProtoJSON() {
        let json = A2ACodec(.v1_0).encode(Self.sampleTask)
        #expect(json["kind"] == nil)
        #expect(json["status"]?["state"] == "TASK_STATE_INPUT_REQUIRED")
        #expect(json["status"]?["timestamp"] == "2026-12-02T23:02:36.787Z")
        #expect(json["status"]?["message"]?["role"] == "ROLE_AGENT")
        let parts = json["history"]?[0]?["parts"]
        #expect(parts?[0] == ["text": "hi"])
        #expect(parts?[2] == ["data": [1, "two"]])
        #expect(parts?[3] == ["raw": "AAFiaQ==", "mediaType": "application/octet-stream", "filename": "blob.bin"])
        #expect(parts?[4] == ["url": "https://example.invalid/f.pdf", "mediaType": "application/pdf", "filename": "f.pdf"])
        #expect(json["history"]?[0]?["referenceTaskIds"] == ["t0"])
        #expect(json["history"]?[1]?["extensions"] == nil, "empty repeated fields are left out")
        #expect(A2ACodec(.v1_0).encode(A2ASendResult.task(Self.sampleTask))["task"]?["id"] == "t1")
    }

    @Test func zeroDotThreeShapesCarryKindAndLowercaseStates() {
        let codec = A2ACodec(.v0_3)
        let json = codec.encode(A2ASendResult.task(Self.sampleTask))
        #expect(json["kind"] == "task", "0.3 results are bare")
        #expect(json["status"]?["state"] == "input-required")
        #expect(json["history"]?[0]?["kind"] == "message")
        #expect(json["history"]?[0]?["role"] == "user")
        let parts = json["history"]?[0]?["parts"]
        #expect(parts?[0] == ["kind": "text", "text": "hi"])
        #expect(parts?[1] == ["kind": "data", "data": ["n": 1, "list": [1, "a"]]])
        #expect(parts?[2] == ["kind": "data", "data": ["value": [1, "two"]], "metadata": ["data_part_compat": true]])
        #expect(parts?[3] == ["kind": "file", "file": ["bytes": "AAFiaQ==", "mimeType": "application/octet-stream", "name": "blob.bin"]])
        #expect(parts?[4] == ["kind": "file", "file": ["uri": "https://example.invalid/f.pdf", "mimeType": "application/pdf", "name": "f.pdf"]])
    }

    @Test func streamEventsDifferPerVersion() {
        let done = A2AStatusUpdate(taskID: "t", contextID: "c", status: A2ATaskStatus(state: .completed, timestamp: Self.micros))
        let working = A2AStatusUpdate(taskID: "t", contextID: "c", status: A2ATaskStatus(state: .working, timestamp: Self.micros))
        let artifact = A2AArtifactUpdate(taskID: "t", contextID: "c", artifact: A2AArtifact(artifactID: "a", parts: [.text("x")]))
        let v1 = A2ACodec(.v1_0), v03 = A2ACodec(.v0_3)
        #expect(v1.encode(A2AUpdate.status(done)) == ["statusUpdate": ["taskId": "t", "contextId": "c",
                                                                        "status": ["state": "TASK_STATE_COMPLETED", "timestamp": "2026-12-02T23:02:36.787Z"]]])
        #expect(v1.encode(A2AUpdate.artifact(artifact))["artifactUpdate"]?["append"] == nil, "false booleans are left out in 1.0")
        #expect(v03.encode(A2AUpdate.status(done))["final"] == true)
        #expect(v03.encode(A2AUpdate.status(done))["kind"] == "status-update")
        #expect(v03.encode(A2AUpdate.status(working))["final"] == false)
        #expect(v03.encode(A2AUpdate.artifact(artifact))["append"] == false)
        #expect(v03.encode(A2AUpdate.artifact(artifact))["lastChunk"] == false)
        #expect(v03.encode(A2AUpdate.artifact(artifact))["kind"] == "artifact-update")
    }

    @Test func aZeroDotThreeReplyConvertsToOneDotZero() throws {
        // A 0.3 peer's message/send result, as the SDK's 0.3 server writes it.
        let reply: JSONValue = ["kind": "task", "id": "t9", "contextId": "c9",
                                "status": ["state": "completed", "timestamp": "2026-12-02T23:02:39.977683Z"],
                                "artifacts": [["artifactId": "a9", "name": "echo",
                                               "parts": [["kind": "data", "data": ["value": 3.0], "metadata": ["data_part_compat": true]]]]],
                                "history": [["kind": "message", "messageId": "m9", "role": "user", "parts": [["kind": "text", "text": "hi"]]]]]
        let result = try A2ACodec(.v0_3).decodeSendResult(reply)
        let v1 = A2ACodec(.v1_0).encode(result)
        #expect(v1["task"]?["status"]?["state"] == "TASK_STATE_COMPLETED")
        #expect(v1["task"]?["status"]?["timestamp"] == "2026-12-02T23:02:39.977Z")
        #expect(v1["task"]?["artifacts"]?[0]?["parts"]?[0] == ["data": 3.0], "the compat wrapper is undone")
        #expect(v1["task"]?["history"]?[0]?["role"] == "ROLE_USER")
        let message = try A2ACodec(.v0_3).decodeSendResult(["kind": "message", "messageId": "m", "role": "agent", "parts": [["kind": "text", "text": "yo"]]])
        #expect(A2ACodec(.v1_0).encode(message) == ["message": ["messageId": "m", "role": "ROLE_AGENT", "parts": [["text": "yo"]]]])
    }

    @Test func aPeerReplyInTheWrongShapeIsAnAgentResponseError() {
        // A bare task where 1.0 wants {"task": …}: the trap the 1.3.0 client falls into too.
        let bare: JSONValue = ["id": "t", "status": ["state": "TASK_STATE_COMPLETED"]]
        #expect(throws: A2AError.self) { try A2ACodec(.v1_0).decodeSendResult(bare) }
        do {
            _ = try A2ACodec(.v1_0).decodeSendResult(["task": ["id": "t", "status": ["state": "completed"]]])
            Issue.record("a 0.3 state in a 1.0 reply was accepted")
        } catch {
            #expect(error.code == A2AError.invalidAgentResponseCode)
            #expect(error.message.contains("task.status.state"), "\(error.message)")
        }
    }

    @Test func callerMessagesAreReadInEitherShape() throws {
        let v1: JSONValue = ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "a"], ["data": ["tool": "echo"]]]]
        let v03: JSONValue = ["kind": "message", "messageId": "m", "role": "user",
                              "parts": [["kind": "text", "text": "a"], ["kind": "data", "data": ["tool": "echo"]]]]
        let one = try A2ACodec.decodeMessageInEitherShape(v1)
        let other = try A2ACodec.decodeMessageInEitherShape(v03)
        #expect(one == other)
        #expect(one.parts[1].data == ["tool": "echo"])
        // Without kind, a lowercase role still says 0.3.
        #expect(try A2ACodec.decodeMessageInEitherShape(["messageId": "m", "role": "agent", "parts": [["text": "a"]]]).role == .agent)
    }

    @Test func sendParamsDecodePerVersion() throws {
        let v1 = try A2ACodec(.v1_0).decodeSendRequest(["message": ["message_id": "m", "role": "ROLE_USER", "parts": [["text": "x"]]],
                                                        "configuration": ["returnImmediately": true, "historyLength": "2",
                                                                          "acceptedOutputModes": ["text/plain"]]])
        #expect(v1.message.messageID == "m", "proto field names are read too")
        #expect(v1.configuration == A2ASendConfiguration(acceptedOutputModes: ["text/plain"], historyLength: 2, returnImmediately: true))
        let blocking = try A2ACodec(.v0_3).decodeSendRequest(["message": ["kind": "message", "messageId": "m", "role": "user",
                                                                          "parts": [["kind": "text", "text": "x"]]],
                                                              "configuration": ["blocking": true, "historyLength": 0]])
        #expect(blocking.configuration.returnImmediately == false)
        #expect(blocking.configuration.historyLength == nil, "0.3 reads historyLength 0 as not given, as the SDK does")
        let polling = try A2ACodec(.v0_3).decodeSendRequest(["message": ["messageId": "m", "role": "user", "parts": [["kind": "text", "text": "x"]]],
                                                             "configuration": ["blocking": false]])
        #expect(polling.configuration.returnImmediately)
        #expect(try A2ACodec(.v0_3).decodeGetTaskRequest(["id": "t", "historyLength": 3]) == A2AGetTaskRequest(id: "t", historyLength: 3))
        #expect(try A2ACodec(.v0_3).decodeTaskID(["id": "t", "metadata": [:]]) == "t")
    }

    struct BadParams: Sendable, CustomTestStringConvertible {
        let version: A2AProtocolVersion
        let params: JSONValue
        let field: String
        let detail: String
        init(_ version: A2AProtocolVersion, _ params: JSONValue, _ field: String, _ detail: String) {
            self.version = version
            self.params = params
            self.field = field
            self.detail = detail
        }
        var testDescription: String { "\(version.rawValue) \(field)" }
    }

    static let badSendParams: [BadParams] = [
        BadParams(.v1_0, [:], "message", "Field is required."),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "user", "parts": [["text": "x"]]]], "message.role", "expected ROLE_USER or ROLE_AGENT, got \"user\""),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": []]], "message.parts", "Field must contain at least one element."),
        BadParams(.v1_0, ["message": ["role": "ROLE_USER", "parts": [["text": "x"]]]], "message.messageId", "Field is required."),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "x", "url": "u"]]]], "message.parts[0]",
         "a part holds one of text, raw, url or data; this one holds text and url"),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["raw": "***"]]]], "message.parts[0].raw", "expected base64"),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": 5]]]], "message.parts[0].text", "expected a string, got integer"),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "x"]], "metadata": [1]]], "message.metadata", "expected an object, got array"),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "x"]]], "configuration": ["historyLength": -1]],
         "configuration.historyLength", "history length must be non-negative"),
        BadParams(.v1_0, ["message": ["messageId": "m", "role": "ROLE_USER", "parts": [["text": "x"]]], "configuration": ["returnImmediately": "yes"]],
         "configuration.returnImmediately", "expected a boolean, got string"),
        BadParams(.v0_3, ["message": ["kind": "message", "messageId": "m", "role": "user", "parts": [["kind": "data", "data": [1]]]]],
         "message.parts[0].data", "a 0.3 data part holds an object, got array"),
        BadParams(.v0_3, ["message": ["kind": "message", "messageId": "m", "role": "user", "parts": [["kind": "file", "file": ["name": "x"]]]]],
         "message.parts[0].file", "a file holds one of bytes or uri"),
        BadParams(.v0_3, ["message": ["kind": "task", "messageId": "m", "role": "user", "parts": [["kind": "text", "text": "x"]]]],
         "message.kind", "expected \"message\", got \"task\""),
        BadParams(.v0_3, ["message": ["kind": "message", "messageId": "m", "role": "ROLE_USER", "parts": [["kind": "text", "text": "x"]]]],
         "message.role", "expected \"user\" or \"agent\", got \"ROLE_USER\""),
    ]

    @Test(arguments: badSendParams)
    func badSendParamsNameTheirField(_ row: BadParams) {
        let (version, params, field, detail) = (row.version, row.params, row.field, row.detail)
        do {
            _ = try A2ACodec(version).decodeSendRequest(params)
            Issue.record("accepted \(params)")
        } catch {
            #expect(error.code == A2AError.invalidParamsCode)
            #expect(error.message == "\(field): \(detail)")
            #expect(error.data == ["errors": [["field": .string(field), "message": .string(detail)]]])
        }
    }

    @Test func badTaskParamsNameTheirField() {
        let codec = A2ACodec(.v1_0)
        let cases: [(JSONValue, String)] = [
            ([:], "id: Field is required."),
            (["id": [:]], "id: expected a string, got object"),
            (["id": ""], "id: Field is required."),
            (["id": "t", "historyLength": 1.5], "historyLength: expected a 32-bit integer, got number"),
            (["id": "t", "historyLength": 4_294_967_296], "historyLength: expected a 32-bit integer, got integer"),
            ("t", "expected an object, got string"),
        ]
        for (params, message) in cases {
            do {
                _ = try codec.decodeGetTaskRequest(params)
                Issue.record("accepted \(params)")
            } catch {
                #expect(error.message == message)
                #expect(error.code == A2AError.invalidParamsCode)
            }
        }
    }

    @Test func listParamsAreBounded() throws {
        let codec = A2ACodec(.v1_0)
        #expect(try codec.decodeTaskQuery([:]).pageSize == 50)
        #expect(try codec.decodeTaskQuery(["pageSize": 100, "status": "TASK_STATE_WORKING", "contextId": "c",
                                           "statusTimestampAfter": "2026-12-02T23:00:00Z", "includeArtifacts": true])
                == A2ATaskQuery(contextID: "c", state: .working, pageSize: 100, statusTimestampAfter: 1_796_252_400_000_000, includeArtifacts: true))
        for (params, message) in [(["pageSize": 0], "pageSize: minimum page size is 1"), (["pageSize": 101], "pageSize: maximum page size is 100"),
                                  (["status": "completed"], "status: \"completed\" is not a task state"),
                                  (["statusTimestampAfter": "2026-12-02T23:00:00"], "statusTimestampAfter: expected an RFC 3339 timestamp with a zone")]
            as [(JSONValue, String)] {
            do {
                _ = try codec.decodeTaskQuery(params)
                Issue.record("accepted \(params)")
            } catch {
                #expect(error.message == message)
                #expect(error.code == A2AError.invalidParamsCode)
            }
        }
    }

    @Test func errorObjectsFollowEachVersion() {
        let notFound = A2AError.taskNotFound()
        #expect(notFound.errorObject(for: .v0_3) == ["code": -32001, "message": "Task not found", "data": nil])
        #expect(notFound.errorObject(for: .v1_0) == ["code": -32001, "message": "Task not found", "data": [[
            "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "TASK_NOT_FOUND", "domain": "a2a-protocol.org", "metadata": [:]]]])
        let field = A2AError.invalidParams(field: "message.role", "Field is required.")
        #expect(field.errorObject(for: .v1_0)["data"]?[1] == ["@type": "type.googleapis.com/google.rpc.BadRequest",
                                                              "fieldViolations": [["field": "message.role", "description": "Field is required."]]])
        #expect(field.errorObject(for: .v0_3)["data"] == ["errors": [["field": "message.role", "message": "Field is required."]]])
        #expect(A2AError.methodNotFound().errorObject(for: .v1_0) == ["code": -32601, "message": "Method not found"])
    }
}
