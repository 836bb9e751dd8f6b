import CarJSON
import Foundation
import Testing
@testable import CarA2A

/// Writes what the dispatcher answers in 1.0 (every result type, every stream event, the card)
/// as `{"type", "value"}` lines for scripts/a2a/oracle_check.py, which parses them strictly
/// with the official SDK's protobuf types (and the 0.3 answers with its 0.3 models). When the SDK's venv is there (`.venv/a2a`, made by
/// scripts/a2a/a2a-env.sh) the check runs here too; otherwise the file is left for a manual run:
///
///     .venv/a2a/bin/python scripts/a2a/oracle_check.py < /tmp/car-a2a-oracle-samples.jsonl
@Suite struct A2AOracleSampleTests {
    typealias F = CoreFixtures
    static let samplesPath = ProcessInfo.processInfo.environment["CAR_A2A_ORACLE_SAMPLES"] ?? "/tmp/car-a2a-oracle-samples.jsonl"

    @Test func oneDotZeroOutputsParseStrictlyWithTheSDK() async throws {
        let dispatcher = F.dispatcher()
        var samples: [(String, String, JSONValue)] = []
        func add(_ type: String, _ name: String, _ value: JSONValue) { samples.append((type, name, value)) }

        let tool = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo", ["n": 1, "list": [1.5, "a", nil]])]))
        add("SendMessageResponse", "tool task", tool)
        add("SendMessageResponse", "failed task", try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("fail")])))
        add("SendMessageResponse", "conversation", try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([
            F.text("hi"), ["raw": "AAFiaW5hcnk=", "filename": "blob.bin", "mediaType": "application/octet-stream"],
            ["url": "https://example.invalid/f.pdf", "mediaType": "application/pdf"], ["text": "m", "metadata": ["k": "v"]],
            ["data": [1, "two"]],
        ])))
        let working = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true))
        add("SendMessageResponse", "working task", working)
        let workingID = try #require(working["task"]?["id"])
        add("Task", "cancel", try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": workingID]))
        add("Task", "get", try await dispatcher.call(.getTask, version: .v1_0, params: ["id": try #require(tool["task"]?["id"])]))
        add("Task", "get without history", try await dispatcher.call(.getTask, version: .v1_0, params: ["id": workingID, "historyLength": 0]))
        add("ListTasksResponse", "page", try await dispatcher.call(.listTasks, version: .v1_0, params: ["pageSize": 2, "includeArtifacts": true]))
        add("ListTasksResponse", "empty", try await F.dispatcher().call(.listTasks, version: .v1_0, params: [:]))
        for (index, event) in await collect(try await dispatcher.stream(.sendStreamingMessage, version: .v1_0,
                                                                        params: F.send([F.tool("echo", ["a": true])]))).enumerated() {
            add("StreamResponse", "tool stream event \(index)", try #require(event.result))
        }
        for (index, event) in await collect(try await dispatcher.stream(.sendStreamingMessage, version: .v1_0,
                                                                        params: F.send([F.text("stream me")]))).enumerated() {
            add("StreamResponse", "conversation stream event \(index)", try #require(event.result))
        }
        add("AgentCard", "bearer card", await dispatcher.agentCard())

        // The same in 0.3, for the SDK's 0.3 models.
        let legacy: JSONValue = ["message": ["kind": "message", "messageId": "m", "role": "user",
                                             "parts": [["kind": "data", "data": ["tool": "echo", "parameters": ["x": [1]]]]]]]
        let legacyTask = try await dispatcher.call(.sendMessage, version: .v0_3, params: legacy)
        add("v0.3:SendMessageResponse", "tool task", legacyTask)
        add("v0.3:SendMessageResponse", "failed task", try await dispatcher.call(.sendMessage, version: .v0_3, params: [
            "message": ["kind": "message", "messageId": "m2", "role": "user", "parts": [["kind": "data", "data": ["tool": "fail"]]]]]))
        add("v0.3:Task", "get", try await dispatcher.call(.getTask, version: .v0_3, params: ["id": try #require(legacyTask["id"])]))
        add("v0.3:Task", "cancel", try await dispatcher.call(.cancelTask, version: .v0_3, params: [
            "id": try #require(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true))["task"]?["id"])]))
        add("v0.3:Task", "wrapped data", try await dispatcher.call(.getTask, version: .v0_3, params: ["id": try #require(tool["task"]?["id"])]))
        for (index, event) in await collect(try await dispatcher.stream(.sendStreamingMessage, version: .v0_3, params: legacy)).enumerated() {
            add("v0.3:StreamResponse", "tool stream event \(index)", try #require(event.result))
        }
        var open = F.info
        open.requiresBearer = false
        add("AgentCard", "open card", await A2ADefaultCardSource().card(info: open, tools: []))

        let lines = samples.map { type, name, value in JSONWriter.string(["type": .string(type), "name": .string(name), "value": value]) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: Self.samplesPath, atomically: true, encoding: .utf8)
        #expect(samples.count >= 26)

        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = repository.appendingPathComponent(".venv/a2a/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            print("oracle_check not run: no \(python) (scripts/a2a/a2a-env.sh makes it); samples in \(Self.samplesPath)")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repository.appendingPathComponent("scripts/a2a/oracle_check.py").path]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: Self.samplesPath))
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        // 3: the venv is broken or half-made; nothing to judge.
        guard process.terminationStatus != 3 else {
            print("oracle_check could not import the SDK: \(text)")
            return
        }
        #expect(process.terminationStatus == 0, "\(text)")
        print(text)
    }
}
