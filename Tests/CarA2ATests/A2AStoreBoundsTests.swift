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
}
