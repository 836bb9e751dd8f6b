import CarJSON
import Testing
@testable import CarA2A

/// A peer sees, continues, cancels and follows only the tasks it started; the daemon's side
/// sees all of them; who started a task survives the task log.
@Suite struct A2AScopingTests {
    typealias F = CoreFixtures
    static let alice = A2ACaller.peer(id: "a2at-alice")
    static let bob = A2ACaller.peer(id: "a2at-bob")

    private func code(_ body: () async throws -> Void) async -> Int? {
        do {
            try await body()
            return nil
        } catch {
            return (error as? A2AError)?.code ?? -1
        }
    }

    @Test func anotherPeersTaskIsNotFoundWhateverIsAskedOfIt() async throws {
        let dispatcher = F.dispatcher()
        let done = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")]), caller: Self.alice))
        let live = try F.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("wait")], returnImmediately: true),
                                                        caller: Self.alice))
        #expect(done.owner == nil, "the owner never goes on the wire")
        let notFound = A2AError.taskNotFoundCode
        for id in [done.id, live.id] {
            #expect(await code { _ = try await dispatcher.call(.getTask, version: .v1_0, params: ["id": .string(id)], caller: Self.bob) } == notFound)
            #expect(await code { _ = try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(id)], caller: Self.bob) } == notFound)
            #expect(await code { _ = try await dispatcher.stream(.subscribeToTask, version: .v1_0, params: ["id": .string(id)], caller: Self.bob) } == notFound)
        }
        #expect(await code { _ = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.text("more")], taskID: live.id), caller: Self.bob) } == notFound)

        // Bob's list is empty; Alice's and the daemon's hold both.
        let ids = { (caller: A2ACaller) async throws -> Set<String> in
            let page = try await dispatcher.call(.listTasks, version: .v1_0, params: [:], caller: caller)
            return Set((page["tasks"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue })
        }
        #expect(try await ids(Self.bob).isEmpty)
        #expect(try await ids(Self.alice) == [done.id, live.id])
        #expect(try await ids(.daemon(session: nil)) == [done.id, live.id])

        // Alice's own requests work, and the daemon's side may cancel any task.
        #expect(try await dispatcher.call(.getTask, version: .v1_0, params: ["id": .string(done.id)], caller: Self.alice)["id"] == .string(done.id))
        let canceled = try await dispatcher.call(.cancelTask, version: .v1_0, params: ["id": .string(live.id)], caller: .daemon(session: "ws-1"))
        #expect(canceled["status"]?["state"] == "TASK_STATE_CANCELED")
    }

    @Test func theOwnerIsKeptInTheTaskLog() async throws {
        var task = A2ATask(id: "t1", contextID: "c1", status: A2ATaskStatus(state: .completed, timestamp: 1_000), owner: "a2at-alice")
        let line = A2ATaskLogReplay.line(for: task)
        #expect(try A2ATaskLogReplay.record(Array(line.dropLast())).get() == task)
        task.owner = nil
        let plain = A2ATaskLogReplay.line(for: task)
        #expect(!String(decoding: plain, as: UTF8.self).contains("owner"))
        #expect(try A2ATaskLogReplay.record(Array(plain.dropLast())).get() == task)
    }

    @Test func theExecutionContextNamesTheCaller() async throws {
        let runtime = ScriptedRuntime()
        let dispatcher = F.dispatcher(runtime: runtime)
        _ = try await dispatcher.call(.sendMessage, version: .v1_0, params: F.send([F.tool("echo")]), caller: Self.bob)
        #expect(runtime.contexts.map(\.caller) == [Self.bob])
    }
}
