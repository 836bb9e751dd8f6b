import CarJSON
import Testing
@testable import CarA2A

/// Sends, their tasks and how they end; cancel; the operations the agent refuses.
@Suite struct A2ADispatcherTests {
    typealias F = CoreFixtures

    @Test func aToolTaskCompletesWithItsResultAsAnArtifact() async throws {
        let store = InMemoryA2ATaskStore()
        let dispatcher = F.dispatcher(store: store)
        let result = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo", ["n": 1, "s": "x"])]))
        let task = try F.task(result)
        #expect(task.status.state == .completed)
        #expect(task.artifacts.count == 1)
        #expect(task.artifacts[0].name == "echo")
        #expect(task.artifacts[0].parts == [.data(["n": 1, "s": "x"])])
        #expect(task.history.count == 1)
        #expect(task.history[0].taskID == task.id)
        #expect(task.history[0].contextID == task.contextID)
        #expect(task.id == task.id.lowercased() && task.id.count == 36)
        // What the store holds is what the client was told.
        #expect(try await store.task(id: task.id) == task)
        // The reply is 1.0 through and through.
        #expect(result["task"]?["status"]?["state"] == "TASK_STATE_COMPLETED")
        #expect(result["task"]?["kind"] == nil)
    }

    @Test func aFailingToolFailsTheTaskWithTheErrorText() async throws {
        let dispatcher = F.dispatcher()
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("fail")])))
        #expect(task.status.state == .failed)
        #expect(task.status.message?.role == .agent)
        #expect(task.status.message?.text == "the disk is on fire")
        #expect(task.artifacts.isEmpty)
    }

    @Test func aResultOverTheLimitFailsTheTask() async throws {
        let dispatcher = F.dispatcher(limits: F.limits { $0.maxResultBytes = 1_000 })
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("big")])))
        #expect(task.status.state == .failed)
        #expect(task.status.message?.text == "the tool big returned 10002 bytes, over the limit of 1000")
    }

    @Test func aConversationalMessageCompletesWithTheReply() async throws {
        let dispatcher = F.dispatcher()
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("how are you")])))
        #expect(task.status.state == .completed)
        #expect(task.status.message?.text == "hello from CAR (you said: how are you)")
        #expect(task.history.map(\.role) == [.user, .agent])
        #expect(task.history.last == task.status.message)

        let quiet = F.dispatcher(runtime: ScriptedRuntime(reply: nil))
        let acknowledged = try F.task(try await quiet.call(.sendMessage, version: .v1_0, params: F.send([F.text("hi")])))
        #expect(acknowledged.status.message?.text == "Acknowledged.")
    }

    @Test func zeroDotThreeGetsZeroDotThreeShapes() async throws {
        let dispatcher = F.dispatcher()
        let params: JSONValue = ["message": ["kind": "message", "messageId": "m1", "role": "user",
                                             "parts": [["kind": "data", "data": ["tool": "echo", "parameters": ["v": [1, 2]]]]]],
                                 "configuration": ["blocking": true]]
        let result = try await dispatcher.call(.sendMessage, version: .v0_3, params: params)
        #expect(result["kind"] == "task")
        #expect(result["status"]?["state"] == "completed")
        #expect(result["artifacts"]?[0]?["parts"]?[0] == ["kind": "data", "data": ["v": [1, 2]]])
        let id = try #require(result["id"])
        let got = try await dispatcher.call(.getTask, version: .v0_3, params: ["id": id])
        #expect(got["kind"] == "task")
        #expect(got["history"]?[0]?["role"] == "user")
        let inOneDotZero = try await dispatcher.call(.getTask, version: .v1_0, params: ["id": id, "historyLength": 0])
        #expect(inOneDotZero["history"] == nil)
        #expect(inOneDotZero["status"]?["state"] == "TASK_STATE_COMPLETED")
    }

    @Test func returnImmediatelyAnswersOnceTheTaskIsWorking() async throws {
        let runtime = ScriptedRuntime()
        let dispatcher = F.dispatcher(runtime: runtime)
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0,
                                                        params: F.send([F.tool("wait")], returnImmediately: true)))
        #expect(task.status.state == .working)
        #expect(dispatcher.runningTaskCount == 1)
        let polled = try await dispatcher.call(.getTask, version: .v1_0, params: ["id": .string(task.id)])
        #expect(polled["status"]?["state"] == "TASK_STATE_WORKING")
        dispatcher.shutdown()
    }

    @Test func aBlockingSendAnswersAfterItsWaitWithTheTaskAsItIs() async throws {
        let dispatcher = F.dispatcher(limits: F.limits { $0.blockingWait = .milliseconds(100) })
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")])))
        // Submitted or working, whichever it is when the wait runs out (a loaded test process
        // may not have started the work by then): not finished, and still running.
        #expect(!task.status.state.isTerminal && task.status.state != .inputRequired)
        #expect(dispatcher.runningTaskCount == 1)
        dispatcher.shutdown()
    }

    @Test func cancelStopsTheRuntimeAndRecordsTheTaskCanceled() async throws {
        let runtime = ScriptedRuntime()
        let store = InMemoryA2ATaskStore()
        let dispatcher = F.dispatcher(runtime: runtime, store: store)
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0,
                                                        params: F.send([F.tool("wait")], returnImmediately: true)))
        #expect(await eventually { runtime.started == 1 })
        let canceled = try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(task.id)])
        #expect(canceled["status"]?["state"] == "TASK_STATE_CANCELED")
        #expect(canceled["id"] == .string(task.id), "CancelTask answers the bare task")
        #expect(await eventually { runtime.sawCancellation }, "the runtime's task was cancelled")
        #expect(await eventually { dispatcher.runningTaskCount == 0 }, "its running slot is given back")
        #expect(try await store.task(id: task.id)?.status.state == .canceled)

        let again = await a2aError { () throws(A2AError) in try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(task.id)]) }
        #expect(again == .taskNotCancelable())
        let unknown = await a2aError { () throws(A2AError) in try await dispatcher.call(.cancelTask, version: .v0_3, params: ["id": "nope"]) }
        #expect(unknown == .taskNotFound())
    }

    @Test func aCompletedTaskIsNotCancelableAndCannotBeContinued() async throws {
        let dispatcher = F.dispatcher()
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")])))
        let cancel = await a2aError { () throws(A2AError) in try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(task.id)]) }
        #expect(cancel?.code == -32002)
        let followUp = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("more")], taskID: task.id))
        }
        #expect(followUp?.code == -32004)
        #expect(followUp?.message == "Task \(task.id) is in terminal state: TASK_STATE_COMPLETED")
        let unknown = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("more")], taskID: "nope"))
        }
        #expect(unknown == .taskNotFound("nope"))
        #expect(unknown?.message == "Task nope not found")
    }

    @Test func aMessageToAnUnfinishedTaskContinuesIt() async throws {
        let store = InMemoryA2ATaskStore()
        // A task a previous process left waiting for input.
        let user = A2AMessage(messageID: "m0", role: .user, parts: [.text("book a flight")], contextID: "c", taskID: "t")
        let question = A2AMessage.agentText("where to?", taskID: "t", contextID: "c")
        try await store.save(A2ATask(id: "t", contextID: "c", status: A2ATaskStatus(state: .inputRequired, message: question, timestamp: 1),
                                     history: [user, question]))
        let dispatcher = F.dispatcher(store: store)
        let wrongContext = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: ["message": ["messageId": "m1", "role": "ROLE_USER", "taskId": "t",
                                                                                          "contextId": "other", "parts": [["text": "Oslo"]]]])
        }
        #expect(wrongContext?.code == -32602)
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("Oslo")], taskID: "t")))
        #expect(task.id == "t")
        #expect(task.status.state == .completed)
        #expect(task.history.map(\.role) == [.user, .agent, .user, .agent])
        #expect(task.history[2].contextID == "c")
    }

    @Test func refusedOperationsUseTheSDKsCodes() async {
        let dispatcher = F.dispatcher()
        for operation in [A2AOperation.createTaskPushNotificationConfig, .getTaskPushNotificationConfig,
                          .listTaskPushNotificationConfigs, .deleteTaskPushNotificationConfig] {
            let error = await a2aError { () throws(A2AError) in try await dispatcher.call(operation, version: .v1_0, params: [:]) }
            #expect(error == .pushNotificationNotSupported())
        }
        let card = await a2aError { () throws(A2AError) in try await dispatcher.call(.getExtendedAgentCard, version: .v1_0, params: [:]) }
        #expect(card?.code == -32004)
        #expect(card?.message == "The agent does not support authenticated extended cards")
        let list = await a2aError { () throws(A2AError) in try await dispatcher.call(.listTasks, version: .v0_3, params: [:]) }
        #expect(list?.code == -32601)
        let streaming = await a2aError { () throws(A2AError) in try await dispatcher.call(.sendStreamingMessage, version: .v1_0, params: [:]) }
        #expect(streaming?.code == -32601)
        let get = await a2aError { () throws(A2AError) in try await dispatcher.call(.getTask, version: .v1_0, params: ["id": "nope"]) }
        #expect(get == .taskNotFound())
        let neither = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([["url": "https://example.invalid/x"]]))
        }
        #expect(neither?.code == -32005)
        let badTool = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([["data": ["tool": 3]]]))
        }
        #expect(badTool?.message == "message.parts[0].data.tool: expected the name of a tool (a non-empty string)")
    }

    @Test func boundsRefuseWithClearErrors() async throws {
        let dispatcher = F.dispatcher(limits: F.limits {
            $0.maxRunningTasks = 2
            $0.maxPartsPerMessage = 3
            $0.maxMessageBytes = 100
        })
        let many = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send(Array(repeating: F.text("a"), count: 4)))
        }
        #expect(many?.message == "message.parts: 4 parts; a message holds at most 3")
        let large = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text(String(repeating: "é", count: 60))]))
        }
        #expect(large?.message == "message.parts: the parts hold 120 bytes; a message holds at most 100")
        for _ in 0..<2 {
            _ = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true))
        }
        let busy = await a2aError { () throws(A2AError) in
            try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")]))
        }
        #expect(busy?.code == -32603)
        #expect(busy?.message == "the agent is working on 2 tasks, its limit; try again when one has finished")
        dispatcher.shutdown()
        #expect(await eventually { dispatcher.runningTaskCount == 0 })
        let closed = await a2aError { () throws(A2AError) in try await dispatcher.call(.getTask, version: .v1_0, params: ["id": "x"]) }
        #expect(closed?.message == "the A2A agent is shutting down")
    }

    @Test func historyIsBoundedAndTrimmedOnRequest() async throws {
        let store = InMemoryA2ATaskStore()
        let old = (0..<10).map { A2AMessage(messageID: "m\($0)", role: .user, parts: [.text("\($0)")], contextID: "c", taskID: "t") }
        try await store.save(A2ATask(id: "t", contextID: "c", status: A2ATaskStatus(state: .inputRequired, timestamp: 1), history: old))
        let dispatcher = F.dispatcher(store: store, limits: F.limits { $0.maxHistory = 4 })
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("new")], taskID: "t")))
        #expect(task.history.count == 4, "the oldest messages go first")
        #expect(task.history.first?.messageID == "m8")
        let trimmed = try await dispatcher.call(.getTask, version: .v1_0, params: ["id": "t", "historyLength": 1])
        #expect(trimmed["history"]?.arrayValue?.count == 1)
        #expect(trimmed["history"]?[0]?["role"] == "ROLE_AGENT", "historyLength keeps the newest")
    }

    @Test func theRuntimeIsToldWhichTask() async throws {
        let runtime = ScriptedRuntime()
        let dispatcher = F.dispatcher(runtime: runtime)
        let task = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")])))
        #expect(runtime.contexts == [A2AExecutionContext(taskID: task.id, contextID: task.contextID, caller: .daemon(session: nil))])
    }
}
