import CarJSON
import Foundation
import Testing
@testable import CarA2A

/// The stores: the in-memory bound, and the log's durability, repair and compaction.
@Suite struct A2ATaskStoreTests {
    /// `time` in milliseconds: the wire (and so the log) keeps status times to the millisecond.
    static func task(_ id: String, _ state: A2ATaskState, at time: Int64, history: String = "x") -> A2ATask {
        A2ATask(id: id, contextID: "c", status: A2ATaskStatus(state: state, timestamp: time * 1_000),
                history: [A2AMessage(messageID: "m-\(id)", role: .user, parts: [.text(history)], contextID: "c", taskID: id)])
    }

    @Test func theMemoryStoreEvictsTheOldestFinishedTaskAndRefusesWhenAllAreLive() async throws {
        let store = InMemoryA2ATaskStore(capacity: 3)
        try await store.save(Self.task("live", .working, at: 1))
        try await store.save(Self.task("old", .completed, at: 2))
        try await store.save(Self.task("newer", .failed, at: 3))
        try await store.save(Self.task("fresh", .submitted, at: 4))
        #expect(store.count == 3)
        #expect(try await store.task(id: "old") == nil, "the least recently updated finished task went")
        #expect(try await store.task(id: "live") != nil, "a live task is never evicted, however old")
        #expect(try await store.task(id: "newer") != nil)
        // Updating a known task never needs room.
        try await store.save(Self.task("fresh", .working, at: 5))
        try await store.save(Self.task("another", .working, at: 6))
        #expect(try await store.task(id: "newer") == nil)
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("one-too-many", .submitted, at: 7)) }
        #expect(store.count == 3)
    }

    @Test func tasksAnUncleanStopLeftWorkingAreRecordedFailedOnOpen() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/store/tasks.jsonl"
        do {
            let store = try await A2ATaskLogStore.open(path: path)
            try await store.save(Self.task("working", .working, at: 1))
            try await store.save(Self.task("waiting", .inputRequired, at: 2))
            try await store.save(Self.task("done", .completed, at: 3))
        }
        let reopened = try await A2ATaskLogStore.open(path: path)
        let failed = try #require(try await reopened.task(id: "working"))
        #expect(failed.status.state == .failed)
        #expect(failed.status.message?.text?.hasPrefix("interrupted") == true)
        #expect(try await reopened.task(id: "waiting")?.status.state == .inputRequired, "a task waiting for input can still be continued")
        #expect(try await reopened.task(id: "done")?.status.state == .completed)
        #expect(reopened.fileLines == 4)
        // Recorded once: the next open finds nothing to fail.
        let again = try await A2ATaskLogStore.open(path: path)
        #expect(again.fileLines == 4)
        #expect(try await again.task(id: "working") == failed)
    }

    @Test func theLogSurvivesAReopenWithTheLatestVersions() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/store/tasks.jsonl"
        do {
            let store = try await A2ATaskLogStore.open(path: path)
            try await store.save(Self.task("a", .submitted, at: 1))
            try await store.save(Self.task("b", .submitted, at: 2))
            try await store.save(Self.task("a", .completed, at: 3, history: "done"))
            #expect(store.fileLines == 3)
        }
        let reopened = try await A2ATaskLogStore.open(path: path)
        #expect(reopened.repairedBytes == 0)
        #expect(reopened.count == 2)
        #expect(try await reopened.task(id: "a") == Self.task("a", .completed, at: 3, history: "done"))
        #expect(try await reopened.list(A2ATaskQuery()).tasks.map(\.id) == ["b", "a"], "b, left submitted, was recorded failed at the open")
    }

    @Test func aTornTailIsCutAndReported() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        do {
            let store = try await A2ATaskLogStore.open(path: path)
            try await store.save(Self.task("a", .completed, at: 1))
            try await store.save(Self.task("b", .completed, at: 2))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        // A write cut short: half a line, no newline.
        try (whole + Data("{\"task\":{\"id\":\"c\",\"sta".utf8)).write(to: URL(fileURLWithPath: path))
        let repaired = try await A2ATaskLogStore.open(path: path)
        #expect(repaired.repairedBytes == 22)
        #expect(repaired.count == 2)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole, "the file is cut back to its last whole line")
        // A garbled last line that a newline closed is cut too; the next save follows cleanly.
        try (whole + Data("garbage\n".utf8)).write(to: URL(fileURLWithPath: path))
        let again = try await A2ATaskLogStore.open(path: path)
        #expect(again.repairedBytes == 8)
        try await again.save(Self.task("c", .completed, at: 3))
        let third = try await A2ATaskLogStore.open(path: path)
        #expect(third.count == 3)
    }

    @Test func aDamagedLineBeforeTheLastIsRefusedByNumber() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        let good = String(decoding: A2ATaskLogReplay.line(for: Self.task("a", .completed, at: 1)), as: UTF8.self)
        try (good + "not json\n" + good).write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try await A2ATaskLogStore.open(path: path)
            Issue.record("a damaged log was opened")
        } catch {
            #expect("\(error)".contains("line 2 is damaged"), "\(error)")
        }
    }

    @Test func compactionKeepsOneLinePerTaskWithTheLatestVersions() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        var limits = A2ATaskLogStore.Limits()
        limits.compactionFloor = 20
        let store = try await A2ATaskLogStore.open(path: path, limits: limits)
        var time: Int64 = 0
        for round in 0..<8 {
            for id in ["a", "b", "c"] {
                time += 1
                try await store.save(Self.task(id, round == 7 ? .completed : .working, at: time, history: "round \(round)"))
            }
        }
        // 24 saves of 3 tasks: compacted once past 20 lines, then 3 more appended.
        #expect(store.fileLines < 24)
        #expect(store.count == 3)
        let reopened = try await A2ATaskLogStore.open(path: path, limits: limits)
        #expect(reopened.fileLines == store.fileLines)
        for id in ["a", "b", "c"] {
            let task = try #require(try await reopened.task(id: id))
            #expect(task.status.state == .completed)
            #expect(task.history.first?.text == "round 7")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileSystemPath.parent(path)).filter { $0 != "tasks.jsonl" }
        #expect(leftovers.isEmpty, "no temporary is left beside the log")
    }

    @Test func theLogIsBoundedLikeTheMemoryStore() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        var limits = A2ATaskLogStore.Limits()
        limits.capacity = 2
        let store = try await A2ATaskLogStore.open(path: path, limits: limits)
        try await store.save(Self.task("a", .completed, at: 1))
        try await store.save(Self.task("b", .working, at: 2))
        try await store.save(Self.task("c", .working, at: 3))
        #expect(try await store.task(id: "a") == nil)
        await #expect(throws: A2AStoreError.self) { try await store.save(Self.task("d", .working, at: 4)) }
        #expect(store.fileLines == 3, "a refused task is not written")
        let reopened = try await A2ATaskLogStore.open(path: path, limits: limits)
        #expect(reopened.count == 2)
        #expect(try await reopened.task(id: "a") == nil, "the replay evicts as the store did")
    }

    @Test func aDispatcherOnTheLogStoreSavesEveryStep() async throws {
        let path = CoreFixtures.temporaryDirectory() + "/tasks.jsonl"
        let store = try await A2ATaskLogStore.open(path: path)
        let dispatcher = CoreFixtures.dispatcher(store: store)
        let task = try CoreFixtures.task(try await dispatcher.call(.sendMessage, version: .v1_0, params: CoreFixtures.send([CoreFixtures.tool("echo")])))
        #expect(store.fileLines == 3, "submitted, working, completed")
        let reopened = try await A2ATaskLogStore.open(path: path)
        #expect(try await reopened.task(id: task.id) == task)
    }
}

enum FileSystemPath {
    static func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
}
