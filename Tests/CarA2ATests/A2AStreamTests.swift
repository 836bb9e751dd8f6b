import CarJSON
import Testing
@testable import CarA2A

/// SendStreamingMessage and SubscribeToTask: the task first, then its changes, then the end.
@Suite struct A2AStreamTests {
    typealias F = CoreFixtures

    @Test func aStreamedSendGoesTaskStatusArtifactStatus() async throws {
        let dispatcher = F.dispatcher()
        let stream = try await dispatcher.stream(.sendStreamingMessage, version: .v1_0, params: F.send([F.tool("echo", ["a": 1])]))
        let events = await collect(stream).compactMap(\.result)
        #expect(events.count == 4)
        #expect(events.map { $0.objectValue?.keys.sorted() ?? [] } == [["task"], ["statusUpdate"], ["artifactUpdate"], ["statusUpdate"]])
        #expect(events[0]["task"]?["status"]?["state"] == "TASK_STATE_SUBMITTED")
        #expect(events[1]["statusUpdate"]?["status"]?["state"] == "TASK_STATE_WORKING")
        #expect(events[2]["artifactUpdate"]?["artifact"]?["parts"]?[0] == ["data": ["a": 1]])
        #expect(events[3]["statusUpdate"]?["status"]?["state"] == "TASK_STATE_COMPLETED")
        #expect(events[3]["statusUpdate"]?["final"] == nil, "1.0 has no final")
    }

    @Test func aZeroDotThreeStreamMarksItsLastEventFinal() async throws {
        let dispatcher = F.dispatcher()
        let params: JSONValue = ["message": ["kind": "message", "messageId": "m", "role": "user", "parts": [["kind": "text", "text": "hi"]]]]
        let events = await collect(try await dispatcher.stream(.sendStreamingMessage, version: .v0_3, params: params)).compactMap(\.result)
        #expect(events.map { $0["kind"] } == ["task", "status-update", "status-update"])
        #expect(events.map { $0["final"] } == [nil, false, true])
        #expect(events[2]["status"]?["message"]?["parts"]?[0]?["text"] == "hello from CAR (you said: hi)")
    }

    @Test func subscribingGivesTheCurrentTaskThenItsChanges() async throws {
        let runtime = ScriptedRuntime()
        let dispatcher = F.dispatcher(runtime: runtime)
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true)))
        let stream = try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": .string(task.id)])
        // Changes from now on: cancel it from the side.
        _ = try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(task.id)])
        let events = await collect(stream).compactMap(\.result)
        #expect(events.count == 2)
        #expect(events[0]["task"]?["status"]?["state"] == "TASK_STATE_WORKING")
        #expect(events[0]["task"]?["history"]?.arrayValue?.count == 1)
        #expect(events[1]["statusUpdate"]?["status"]?["state"] == "TASK_STATE_CANCELED")
    }

    @Test func subscribingToAFinishedTaskIsRefusedPerVersion() async throws {
        let dispatcher = F.dispatcher()
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")])))
        let thrown = await a2aError { () throws(A2AError) in
            try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": .string(task.id)])
        }
        #expect(thrown?.code == -32004)
        #expect(thrown?.message == "Task \(task.id) is in terminal state: TASK_STATE_COMPLETED")
        // 0.3 sends it as the stream's only event, as the SDK's server does.
        let events = await collect(try await dispatcher.stream(.subscribeToTask, version: .v0_3, params: ["id": .string(task.id)]))
        #expect(events == [.failure(.terminalTask(task.id, .completed))])
        let unknown = await collect(try await dispatcher.stream(.subscribeToTask, version: .v0_3, params: ["id": "nope"]))
        #expect(unknown == [.failure(.taskNotFound())])
        let unknownInOneDotZero = await a2aError { () throws(A2AError) in
            try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": "nope"])
        }
        #expect(unknownInOneDotZero == .taskNotFound())
        let notStreaming = await a2aError { () throws(A2AError) in try await dispatcher.stream(.getTask, version: .v0_3, params: ["id": "x"]) }
        #expect(notStreaming?.code == -32601)
    }

    @Test func aConsumerThatLeavesDoesNotCancelTheTask() async throws {
        let runtime = ScriptedRuntime()
        let dispatcher = F.dispatcher(runtime: runtime)
        let stream = try await dispatcher.stream(.sendStreamingMessage, version: .v1_0, params: F.send([F.tool("wait")]))
        let consumer = Task {
            var taskID: String?
            for await event in stream { taskID = taskID ?? event.result?["task"]?["id"]?.stringValue }
            return taskID
        }
        #expect(await eventually { runtime.started == 1 })
        // The client goes away: its stream ends, the task goes on (the SDK's server does the same).
        consumer.cancel()
        let id = try #require(await consumer.value)
        #expect(await eventually { dispatcher.run(id)?.subscriberCount == 0 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(!runtime.sawCancellation)
        #expect(dispatcher.runningTaskCount == 1)
        dispatcher.shutdown()
        #expect(await eventually { runtime.sawCancellation }, "shutdown cancels the work")
    }

    @Test func subscribersPerTaskAreBounded() async throws {
        let dispatcher = F.dispatcher(limits: F.limits { $0.maxSubscribersPerTask = 2 })
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true)))
        let one = try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": .string(task.id)])
        let two = try await dispatcher.stream(.subscribeToTask, version: .v0_3, params: ["id": .string(task.id)])
        let three = await a2aError { () throws(A2AError) in try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": .string(task.id)]) }
        #expect(three?.message == "task \(task.id) already has 2 streams following it, the limit")
        dispatcher.shutdown()
        // Shutdown ends every stream.
        #expect(await collect(one).count == 1)
        #expect(await collect(two).count == 1)
    }

    @Test func aConsumerTooFarBehindIsLetGo() async throws {
        let dispatcher = F.dispatcher(limits: F.limits { $0.streamBuffer = 2 })
        // Nobody reads this stream: the task, working, artifact overflow its buffer of 2.
        let stream = try await dispatcher.stream(.sendStreamingMessage, version: .v1_0, params: F.send([F.tool("echo")]))
        #expect(await eventually { dispatcher.runningTaskCount == 0 })
        let events = await collect(stream)
        #expect(events.count == 2, "the first two were kept, then the stream was ended")
    }
}
