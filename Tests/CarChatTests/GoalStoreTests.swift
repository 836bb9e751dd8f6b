import CarFiles
import CarJSON
import Foundation
import Testing
@testable import CarChat

private func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "carchat-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func fileJSON(_ path: String) throws -> JSONValue {
    try JSONParser.parse(try FileSystem.readWhole(path, limit: 1 << 24))
}

@Suite struct GoalStoreTests {
    @Test func setStatusClearAllAndPersistence() throws {
        let path = temporaryDirectory() + "/home/chat-goals.json"
        let store = GoalStore(path: path)
        #expect(store.load() == GoalStore.LoadReport())
        let goal = try ChatGoal(check: " make test ", maxIterations: 99)
        let state = try store.set(sessionID: "s1", goal: goal, now: "2026-01-01T00:00:00Z")
        #expect(state.json == ["session_id": "s1", "check": "make test", "max_iterations": 50,
                               "status": "active", "updated_at": "2026-01-01T00:00:00Z"])
        try store.set(sessionID: "s2", goal: try ChatGoal(check: "true"))
        #expect(store.status(sessionID: "s1") == state)
        #expect(store.status(sessionID: "nope") == nil)
        #expect(store.all().map(\.sessionID) == ["s1", "s2"])
        let onDisk = try fileJSON(path)
        #expect(onDisk["version"] == 1)
        #expect(onDisk["goals"]?.arrayValue?.count == 2)

        let reloaded = GoalStore(path: path)
        #expect(reloaded.load().loaded == 2)
        #expect(reloaded.all() == store.all())

        #expect(try store.clear(sessionID: "s1"))
        #expect(try !store.clear(sessionID: "s1"))
        #expect(try store.clearAll() == 1)
        #expect(try store.clearAll() == 0)
        #expect(try fileJSON(path)["goals"] == .array([]))
    }

    @Test func inMemoryChangesAreWrittenByTheNextPersist() throws {
        let path = temporaryDirectory() + "/chat-goals.json"
        let store = GoalStore(path: path)
        store.load()
        try store.set(sessionID: "s", goal: try ChatGoal(check: "x"))
        // The official client's chat_event sends the verdict as JSON text.
        let running = try #require(store.applyInMemory(sessionID: "s", kind: .goalEvaluated,
            delta: .string(#"{"iteration": 3, "met": false, "grounded": false, "reason": "red"}"#)))
        #expect(running.status == .running && running.lastIteration == 3 && running.lastReason == "red")
        #expect(store.status(sessionID: "s")?.status == .running, "visible before any write")
        #expect(try fileJSON(path)["goals"]?[0]?["status"] == "active", "nothing written yet")
        #expect(store.applyInMemory(sessionID: "s", kind: .token, delta: "hi") == nil)
        #expect(store.applyInMemory(sessionID: "none", kind: .done, delta: nil) == nil)
        _ = store.applyInMemory(sessionID: "s", kind: .done, delta: "all green")
        try store.persist()
        let written = try fileJSON(path)["goals"]?[0]
        #expect(written?["status"] == "completed" && written?["last_iteration"] == 3 && written?["terminal_message"] == "all green")
        // Text that is not a JSON object, or too long, is no verdict (the status still moves).
        try store.set(sessionID: "t", goal: try ChatGoal(check: "y"))
        let plain = try #require(store.applyInMemory(sessionID: "t", kind: .goalEvaluated, delta: "iteration 4"))
        #expect(plain.status == .running && plain.lastIteration == nil)
        let huge = "{\"iteration\": 9, \"pad\": \"" + String(repeating: "p", count: ChatLimits.verdictTextBytes) + "\"}"
        #expect(store.applyInMemory(sessionID: "t", kind: .goalEvaluated, delta: .string(huge))?.lastIteration == nil)
    }

    @Test func aStoreWithoutAPathKeepsGoalsInMemory() throws {
        let store = GoalStore(path: nil)
        #expect(store.load() == GoalStore.LoadReport())
        try store.set(sessionID: "s", goal: try ChatGoal(check: "x"))
        _ = store.applyInMemory(sessionID: "s", kind: .done, delta: nil)
        try store.persist()
        #expect(store.status(sessionID: "s")?.status == .completed)
    }

    @Test func eventsUpdateTheGoal() throws {
        let path = temporaryDirectory() + "/chat-goals.json"
        let store = GoalStore(path: path)
        store.load()
        try store.set(sessionID: "s", goal: try ChatGoal(check: "x"))
        #expect(try store.apply(sessionID: "s", kind: .token, delta: "hi") == nil)
        #expect(try store.apply(sessionID: "other", kind: .done, delta: nil) == nil)
        let evaluated = try #require(try store.apply(sessionID: "s", kind: .goalEvaluated,
            delta: ["iteration": 2, "met": false, "grounded": true, "reason": "tests fail"], now: "t1"))
        #expect(evaluated.status == .running)
        #expect(evaluated.json["last_iteration"] == 2)
        #expect(evaluated.json["last_met"] == false)
        #expect(evaluated.json["last_grounded"] == true)
        #expect(evaluated.json["last_reason"] == "tests fail")
        #expect(evaluated.updatedAt == "t1")
        let done = try #require(try store.apply(sessionID: "s", kind: .done, delta: ["message": "all green"]))
        #expect(done.status == .completed)
        #expect(done.json["terminal_kind"] == "done")
        #expect(done.json["terminal_message"] == "all green")
        #expect(done.lastReason == "tests fail", "verifier details are kept")
        let failed = try #require(try store.apply(sessionID: "s", kind: .error, delta: "governor halted"))
        #expect(failed.status == .failed)
        #expect(failed.terminalKind == "error")
        #expect(failed.terminalMessage == "governor halted")
        let long = String(repeating: "é", count: ChatLimits.goalTextBytes)
        let cut = try #require(try store.apply(sessionID: "s", kind: .goalEvaluated, delta: ["reason": .string(long)]))
        #expect(cut.lastReason?.utf8.count == ChatLimits.goalTextBytes)
        #expect(try fileJSON(path)["goals"]?[0]?["status"] == "running")
    }

    @Test func runningReloadsAsActiveKeepingDetails() throws {
        let path = temporaryDirectory() + "/chat-goals.json"
        let store = GoalStore(path: path)
        store.load()
        try store.set(sessionID: "s", goal: try ChatGoal(check: "x"))
        try store.apply(sessionID: "s", kind: .goalEvaluated, delta: ["iteration": 3, "met": true, "grounded": false, "reason": "judge"])
        try store.set(sessionID: "t", goal: try ChatGoal(check: "y"))
        try store.apply(sessionID: "t", kind: .done, delta: nil)
        let reloaded = GoalStore(path: path)
        let report = reloaded.load()
        #expect(report.loaded == 2)
        #expect(report.reactivated == 1)
        let s = try #require(reloaded.status(sessionID: "s"))
        #expect(s.status == .active)
        #expect(s.lastIteration == 3 && s.lastMet == true && s.lastGrounded == false && s.lastReason == "judge")
        #expect(reloaded.status(sessionID: "t")?.status == .completed)
    }

    @Test func unreadableFileIsMovedAsideNotOverwritten() throws {
        let dir = temporaryDirectory()
        let path = dir + "/chat-goals.json"
        let garbage = Array("{not json".utf8)
        try FileSystem.writeAtomically(garbage, to: path, mode: 0o600)
        let store = GoalStore(path: path)
        let report = store.load()
        let aside = try #require(report.movedAside)
        #expect(report.problem != nil)
        #expect(try FileSystem.readWhole(aside, limit: 100) == garbage)
        #expect(!FileSystem.exists(path))
        #expect(store.all().isEmpty)
        try store.set(sessionID: "s", goal: try ChatGoal(check: "x"))
        #expect(try FileSystem.readWhole(aside, limit: 100) == garbage)

        // The wrong shape is unreadable too.
        try FileSystem.writeAtomically(Array("[1,2]".utf8), to: path, mode: 0o600)
        #expect(GoalStore(path: path).load().movedAside != nil)

        // So is a file over the size limit.
        try FileSystem.writeAtomically([UInt8](repeating: 0x20, count: ChatLimits.goalsFileBytes + 1), to: path, mode: 0o600)
        #expect(GoalStore(path: path).load().movedAside != nil)
    }

    @Test func fileThatCannotBeMovedAsideMakesTheStoreReadOnly() throws {
        let path = temporaryDirectory() + "/chat-goals.json"
        let garbage = Array("garbage".utf8)
        try FileSystem.writeAtomically(garbage, to: path, mode: 0o600)
        let store = GoalStore(path: path, maxGoals: 10, moveAside: { _, _ in -1 })
        let report = store.load()
        #expect(report.movedAside == nil)
        #expect(report.problem?.contains("could not be moved aside") == true)
        let error = refusal { try store.set(sessionID: "s", goal: try ChatGoal(check: "x")) }
        #expect(error?.kind == .storage)
        #expect(refusal { try store.clearAll() }?.kind == .storage)
        #expect(try FileSystem.readWhole(path, limit: 100) == garbage, "never overwritten")
    }

    @Test func boundedCountAndEntriesThatDoNotDecode() throws {
        let path = temporaryDirectory() + "/chat-goals.json"
        let store = GoalStore(path: path, maxGoals: 2)
        store.load()
        try store.set(sessionID: "a", goal: try ChatGoal(check: "x"), now: "1")
        try store.set(sessionID: "b", goal: try ChatGoal(check: "x"), now: "2")
        #expect(refusal { try store.set(sessionID: "c", goal: try ChatGoal(check: "x")) }?.kind == .capacity)
        try store.set(sessionID: "a", goal: try ChatGoal(check: "replaced"), now: "3")
        #expect(store.status(sessionID: "a")?.check == "replaced")
        #expect(refusal { try store.set(sessionID: "", goal: try ChatGoal(check: "x")) }?.kind == .invalid)

        var goals = try fileJSON(path)["goals"]!.arrayValue!
        goals.append(["session_id": "bad"])
        goals.append(["session_id": "z", "check": "x", "max_iterations": 3, "status": "active", "updated_at": "0"])
        try FileSystem.writeAtomically(JSONWriter.bytes(["version": 1, "goals": .array(goals)]), to: path, mode: 0o600)
        let small = GoalStore(path: path, maxGoals: 2)
        let report = small.load()
        #expect(report.loaded == 2)
        #expect(report.skipped == 2)
        #expect(small.all().map(\.sessionID) == ["a", "b"], "the newest updated_at are kept")
    }

    @Test func goalSetRequestShapes() throws {
        let a = try GoalSetRequest(params: ["session_id": "s", "goal": ["check": " x ", "max_iterations": 0]])
        #expect(a.sessionID == "s" && a.goal.check == "x" && a.goal.maxIterations == 1)
        let b = try GoalSetRequest(params: ["session_id": "s", "check": "y"])
        #expect(b.goal.check == "y" && b.goal.maxIterations == 8)
        #expect(refusal { _ = try GoalSetRequest(params: ["check": "y"]) }?.message.contains("session_id") == true)
        #expect(refusal { _ = try GoalSetRequest(params: ["session_id": "s"]) }?.message.contains("check") == true)
        #expect(refusal { _ = try GoalSetRequest(params: ["session_id": "s", "check": " "]) }?.message.contains("non-empty") == true)
    }
}
