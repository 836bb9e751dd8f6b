import CarJSON
import CarMemory
import Foundation
import Testing

/// Compaction rewrites the log as the live graph without losing a write, including those
/// that land while the rewrite is being made; old `.json` snapshots move to the log.
@Suite("memory log: compaction and migration")
struct MemoryLogCompactionTests {
    private func lineCount(_ path: String) throws -> Int {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count
    }

    @Test func compactionKeepsEverythingIncludingWritesThatRaceIt() throws {
        let path = MemoryLogReplayTests.logPath()
        let log = try MemoryLog.open(path: path)
        let engine = log.engine
        for index in 0..<6_000 { try engine.addFact(subject: "s\(index)", body: "fact \(index) topic \(index % 13)", kind: "pattern") }
        try log.flush()
        #expect(engine.delete(ids: (1...5_000).map { "ws-\($0)" }).count == 5_000)
        try log.flush()
        #expect(log.wantsCompaction, "11,000 entries for 1,000 live ones")

        #expect(log.beginCompaction())
        #expect(!log.beginCompaction(), "one compaction at a time")
        #expect(!log.wantsCompaction)
        let compaction = try log.writeCompaction()
        // Writes after the snapshot: some reach the old file before the swap, some are still
        // queued when it happens. Both must be in the new file.
        try engine.addFact(subject: "raced", body: "flushed to the old file", kind: "pattern", id: "r1")
        engine.delete(id: "ws-5001")
        try log.flush()
        try engine.addFact(subject: "raced", body: "queued at the swap", kind: "pattern", id: "r2")
        try engine.skills.ingest(name: "k", code: "c", platform: "", persona: nil, urlPattern: nil, description: "",
                                 taskKeywords: [], supersedes: nil)
        #expect(!log.isDurable(log.recordedSeq))
        try log.adopt(compaction)
        #expect(log.isDurable(log.recordedSeq), "the swap made the queued writes durable")
        #expect(!log.isCompacting)
        // reset + 1,000 puts + skills line, then the three raced lines (the fourth was a skill).
        #expect(try lineCount(path) == 1 + 1_000 + 1 + 4)
        #expect(log.fileEntries < 1_100)
        try MemoryLogReplayTests.expectSameGraph(try MemoryLog.open(path: path).engine, engine)

        // And the compacted file goes on taking appends.
        try engine.addFact(subject: "after", body: "the swap", kind: "pattern")
        try log.flush()
        try MemoryLogReplayTests.expectSameGraph(try MemoryLog.open(path: path).engine, engine)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: FileSystemPaths.parent(path)).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func anAbandonedCompactionLeavesTheOldLogWhole() throws {
        let path = MemoryLogReplayTests.logPath()
        let log = try MemoryLog.open(path: path)
        for index in 0..<100 { try log.engine.addFact(subject: "s\(index)", body: "b\(index)", kind: "pattern") }
        try log.flush()
        #expect(log.beginCompaction())
        let compaction = try log.writeCompaction()
        try log.engine.addFact(subject: "during", body: "the abandoned rewrite", kind: "pattern")
        try log.flush()
        log.abandon(compaction)
        #expect(!log.isCompacting)
        try MemoryLogReplayTests.expectSameGraph(try MemoryLog.open(path: path).engine, log.engine)
        let names = try FileManager.default.contentsOfDirectory(atPath: FileSystemPaths.parent(path))
        #expect(names == ["graph.jsonl"], "the temporary is gone: \(names)")
    }

    @Test func anOldJSONSnapshotIsMovedToTheLogAndRemoved() throws {
        let directory = PersistenceTests.temporaryDirectory()
        let legacy = directory + "/%50roj.json"
        let path = directory + "/%50roj.jsonl"
        #expect(MemoryLog.legacySnapshotPath(of: path) == legacy)
        let old = MemoryEngine()
        for index in 0..<300 { try old.addFact(subject: "s\(index)", body: "old fact \(index)", kind: "pattern") }
        try old.addFact(subject: "own", body: "id", kind: "constraint", id: "rule")
        old.delete(id: "ws-7")
        try old.skills.ingest(name: "k", code: "c", platform: "p", persona: nil, urlPattern: nil, description: "d",
                              taskKeywords: ["x"], supersedes: nil)
        try old.persist(to: legacy)

        let log = try MemoryLog.open(path: path)
        #expect(log.engine.facts == old.facts)
        #expect(log.engine.skills.list() == old.skills.list())
        #expect(FileManager.default.fileExists(atPath: path), "the log is written at once")
        #expect(!FileManager.default.fileExists(atPath: legacy), "and the snapshot it holds is removed")
        try log.engine.addFact(subject: "new", body: "after the migration", kind: "pattern")
        try log.flush()
        let reopened = try MemoryLog.open(path: path)
        #expect(reopened.engine.factCount == 301)   // 300 - ws-7 + rule + new
        try MemoryLogReplayTests.expectSameGraph(reopened.engine, log.engine)
    }

    @Test func whenBothFilesExistTheLogWinsAndTheSnapshotIsRemoved() throws {
        let directory = PersistenceTests.temporaryDirectory()
        let path = directory + "/ns.jsonl"
        let log = try MemoryLog.open(path: path)
        try log.engine.addFact(subject: "in", body: "the log", kind: "pattern")
        try log.flush()
        let stale = MemoryEngine()
        try stale.addFact(subject: "in", body: "a stale snapshot", kind: "pattern")
        try stale.persist(to: directory + "/ns.json")
        let reopened = try MemoryLog.open(path: path)
        #expect(reopened.engine.facts.map(\.body) == ["the log"])
        #expect(!FileManager.default.fileExists(atPath: directory + "/ns.json"))
    }

    @Test func aDamagedOldSnapshotIsRefusedAndLeftAlone() throws {
        let directory = PersistenceTests.temporaryDirectory()
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: directory + "/ns.json"))
        #expect(throws: MemoryEngine.PersistenceError.self) { try MemoryLog.open(path: directory + "/ns.jsonl") }
        #expect(FileManager.default.fileExists(atPath: directory + "/ns.json"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/ns.jsonl"))
    }
}

enum FileSystemPaths {
    static func parent(_ path: String) -> String { (path as NSString).deletingLastPathComponent }
}
