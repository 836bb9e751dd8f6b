import CarJSON
import Foundation
import Testing
@testable import CarA2A

/// The stores' byte bounds: what the tasks carry together, and the log's file size, which
/// must never pass what the log can be opened with again.
@Suite struct A2AStoreBoundsTests {
    /// A task whose history carries `bytes` bytes of text.
    static func task(_ id: String, _ state: A2ATaskState, at time: Int64, bytes: Int) -> A2ATask {
        A2ATaskStoreTests.task(id, state, at: time, history: String(repeating: "x", count: bytes))
    }

    @Test func metadataAndFileNamesCountTowardsWhatAMessageCarries() {
        let plain = A2AMessage(messageID: "m", role: .user, parts: [.text("hi")])
        var dressed = plain
        dressed.metadata = ["note": .string(String(repeating: "y", count: 1_000))]
        dressed.parts = [A2APart(.text("hi"), mediaType: "text/plain", filename: "a.txt", metadata: ["k": "v"])]
        #expect(plain.contentBytes == 2)
        #expect(dressed.contentBytes > 1_000 + 2 + "text/plain".utf8.count + "a.txt".utf8.count)
    }

    @Test func theMemoryStoreEvictsFinishedTasksPastItsBytesAndRefusesLiveOnes() async throws {
        let store = InMemoryA2ATaskStore(capacity: 100, maxBytes: 1_000)
        try await store.save(Self.task("a", .completed, at: 1, bytes: 400))
        try await store.save(Self.task("b", .completed, at: 2, bytes: 400))
        try await store.save(Self.task("c", .working, at: 3, bytes: 400))
        #expect(try await store.task(id: "a") == nil, "the oldest finished task made room")
        #expect(store.count == 2)
        try await store.save(Self.task("d", .working, at: 4, bytes: 400))
        #expect(try await store.task(id: "b") == nil)
        // Only live tasks are left: refused, and what was held stays.
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("e", .working, at: 5, bytes: 400)) }
        // Growing a live task past the bound is refused too, and its earlier version kept.
        let before = try await store.task(id: "c")
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("c", .working, at: 6, bytes: 700)) }
        #expect(try await store.task(id: "c") == before)
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("huge", .completed, at: 7, bytes: 2_000)) }
        #expect(store.count == 2)
    }

    @Test func theLogCompactsRatherThanPassItsFileLimitAndRefusesWhatCannotFit() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/bounded/tasks.jsonl"
        var limits = A2ATaskLogStore.Limits()
        limits.maxFileBytes = 6_000
        limits.compactionFloor = 1_000_000  // only the file limit compacts here
        let store = try await A2ATaskLogStore.open(path: path, limits: limits)
        // One task saved many times: each line ~1 KB, the log stays under its limit.
        for step in 0..<20 {
            try await store.save(Self.task("same", step == 19 ? .completed : .working, at: Int64(step + 1), bytes: 900))
            #expect(store.fileSize <= limits.maxFileBytes)
        }
        // Live tasks that together need more than the limit: the one that cannot fit is refused.
        var refused = 0
        for index in 0..<8 {
            do {
                try await store.save(Self.task("live-\(index)", .working, at: Int64(100 + index), bytes: 900))
            } catch {
                refused += 1
                #expect("\(error)".contains("would grow past"))
            }
            #expect(store.fileSize <= limits.maxFileBytes)
        }
        #expect(refused > 0)
        // And it opens again with everything that was saved.
        let reopened = try await A2ATaskLogStore.open(path: path, limits: limits)
        #expect(reopened.count == store.count)
        #expect(try await reopened.task(id: "same")?.status.state == .completed)
    }

    @Test func escapedTextCountsAsTheLineItTakesSoFinishedTasksAlwaysMakeRoom() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/escaped/tasks.jsonl"
        var limits = A2ATaskLogStore.Limits()
        limits.maxTaskBytes = 20_000
        limits.maxFileBytes = 60_000
        limits.compactionFloor = 1_000_000
        let store = try await A2ATaskLogStore.open(path: path, limits: limits)
        // 1,000 control characters: 1 KB of text, 6 KB of log line each.
        let text = String(repeating: "\u{1}", count: 1_000)
        for index in 0..<40 {
            var task = A2ATaskStoreTests.task("t\(index)", .completed, at: Int64(index + 1))
            task.history[0].parts = [.text(text)]
            try await store.save(task)
            #expect(store.fileSize <= limits.maxFileBytes)
        }
        #expect(store.count <= 4, "the budget counts lines: at most 20,000 bytes of ~6 KB ones")
        let reopened = try await A2ATaskLogStore.open(path: path, limits: limits)
        #expect(reopened.count == store.count)
        #expect(try await reopened.task(id: "t39") != nil)
    }

    @Test func aRefusedSaveLeavesNoLineBehind() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/refused/tasks.jsonl"
        var limits = A2ATaskLogStore.Limits()
        limits.maxTaskBytes = 5_000
        let store = try await A2ATaskLogStore.open(path: path, limits: limits)
        try await store.save(Self.task("small-done", .completed, at: 1, bytes: 10))
        try await store.save(Self.task("big-live", .working, at: 2, bytes: 3_000))
        let size = store.fileSize
        // Evicting the small finished task would not make room: refused before it is written.
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("new-live", .working, at: 3, bytes: 3_000)) }
        #expect(store.fileSize == size)
        let reopened = try await A2ATaskLogStore.open(path: path, limits: limits)
        #expect(try await reopened.task(id: "new-live") == nil)
        #expect(try await reopened.task(id: "big-live")?.status.state == .failed, "left working: recorded interrupted")
    }

    @Test func aFinishedTaskWhoseResultTheStoreRefusesEndsFailedNotWorking() async throws {
        let store = InMemoryA2ATaskStore(maxBytes: 3_000)
        let dispatcher = CoreFixtures.dispatcher(store: store)
        // The echo's result doubles what the task carries: the completed version does not fit.
        let big = JSONValue.string(String(repeating: "z", count: 1_500))
        let answer = try await dispatcher.call(.sendMessage, version: .v1_0, params: CoreFixtures.send([CoreFixtures.tool("echo", ["s": big])]))
        let task = try CoreFixtures.task(answer)
        #expect(task.status.state == .failed)
        #expect(task.status.message?.text?.contains("could not be stored") == true)
        let stored = try #require(try await store.task(id: task.id))
        #expect(stored.status.state == .failed && stored.artifacts.isEmpty, "the store agrees with what was answered")
    }
}
