import CarJSON
import CarMemory
import Foundation
import Testing

/// A memory log replays to the graph that wrote it, repairs only what a crash leaves (the
/// tail), and refuses anything else, naming the line.
@Suite("memory log: replay and repair")
struct MemoryLogReplayTests {
    static func logPath() -> String { PersistenceTests.temporaryDirectory() + "/graph.jsonl" }

    /// The graph as replay must rebuild it: facts (ids, fields, order), skills, and the id the
    /// next minted fact gets.
    static func expectSameGraph(_ replayed: MemoryEngine, _ original: MemoryEngine,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(replayed.facts == original.facts, sourceLocation: sourceLocation)
        #expect(replayed.skills.list() == original.skills.list(), sourceLocation: sourceLocation)
        for query in ["deploy on friday", "owner of the service", "fact 17"] {
            #expect(replayed.query(query, k: 5) == original.query(query, k: 5), sourceLocation: sourceLocation)
        }
        // Minting continues from the same counter (probed on both, so both move on alike).
        let a = try replayed.insertFact(subject: "probe", body: "probe", kind: "pattern")
        let b = try original.insertFact(subject: "probe", body: "probe", kind: "pattern")
        #expect(a.id == b.id, sourceLocation: sourceLocation)
        replayed.delete(id: a.id)
        original.delete(id: b.id)
    }

    /// Every kind of write the daemon makes through a bound graph, each flushed as the daemon
    /// does before the reply.
    static func writeEverything(_ log: MemoryLog) throws {
        let engine = log.engine
        for index in 0..<40 {
            try engine.addFact(subject: "subject \(index)", body: "fact \(index) about topic \(index % 7)", kind: "pattern",
                               confidence: Double(index) / 40, tags: ["t\(index % 3)"], source: index % 2 == 0 ? "mcp" : nil)
            try log.flush()
        }
        try engine.addFact(subject: "deploy", body: "never deploy on friday", kind: "constraint", id: "rule-1")
        try engine.addFact(subject: "ws-100", body: "a caller's id shaped like a minted one", kind: "pattern", id: "ws-100")
        try engine.addFact(subject: "subject 3", body: "replaced in place", kind: "knowledge", id: "ws-4")   // replace
        try log.flush()
        engine.delete(id: "ws-9")
        engine.delete(id: "missing")   // changes nothing, records nothing
        try engine.addFact(subject: "owner", body: "the owner of the service is team alpha", kind: "pattern")
        try engine.addFact(subject: "Owner", body: "The owner of the  service is team alpha", kind: "pattern")
        try log.flush()
        _ = engine.consolidate()
        try engine.skills.ingest(name: "login", code: "click()", platform: "web", persona: "tester", urlPattern: "https://*/login",
                                 description: "log in", taskKeywords: ["login"], supersedes: nil)
        try engine.skills.ingest(name: "login-v2", code: "click2()", platform: "web", persona: nil, urlPattern: nil,
                                 description: "log in better", taskKeywords: ["login", "auth"], supersedes: "login")
        _ = try engine.skills.report(skillName: "login-v2", outcome: "success")
        _ = try engine.skills.report(skillName: "login-v2", outcome: "failure")
        try log.flush()
    }

    @Test func replayReproducesTheGraphThatWroteIt() throws {
        let path = Self.logPath()
        let log = try MemoryLog.open(path: path)
        try Self.writeEverything(log)
        #expect(log.engine.factCount > 40)
        let replayed = try MemoryLog.open(path: path)
        #expect(replayed.repairedBytes == 0)
        try Self.expectSameGraph(replayed.engine, log.engine)
    }

    @Test func distilledSkillsReplayWithEveryField() throws {
        let path = Self.logPath()
        let log = try MemoryLog.open(path: path)
        let batch = try DistilledSkill.batch([
            ["name": "scrape", "code": "get(url)", "when_to_apply": "a link", "scope": ["domain": "web", "depth": 2],
             "source": "success", "domain": "web", "trigger": ["persona": "researcher", "task_keywords": ["summarize"]]],
        ])
        #expect(try log.engine.skills.ingest(distilled: batch) == 1)
        _ = try log.engine.skills.report(skillName: "scrape", outcome: "fail")
        try log.flush()
        let replayed = try MemoryLog.open(path: path)
        #expect(replayed.engine.skills.list() == log.engine.skills.list())
        #expect(replayed.engine.skills.list().first?.scope == ["domain": "web", "depth": 2])
        #expect(replayed.engine.skills.domainsNeedingEvolution(threshold: 0.6, minimumOutcomes: 1) == ["web"])
    }

    @Test func loadAndResetAreOneLineEachAndReplayExactly() throws {
        let directory = PersistenceTests.temporaryDirectory()
        let snapshot = directory + "/snap.json"
        let source = MemoryEngine()
        for index in 0..<50 { try source.addFact(subject: "s\(index)", body: "loaded \(index)", kind: "pattern") }
        try source.persist(to: snapshot)
        // A snapshot may leave ids out: load mints them, and the log must hold the minted ids.
        try Data(#"{"facts":[{"subject":"unnamed","body":"gets an id"},{"id":"ws-1","subject":"x","body":"y"}]}"#.utf8)
            .write(to: URL(fileURLWithPath: directory + "/unnamed.json"))

        let path = directory + "/graph.jsonl"
        let log = try MemoryLog.open(path: path)
        try log.engine.addFact(subject: "before", body: "gone after the load", kind: "pattern")
        try log.flush()
        #expect(try log.engine.load(from: snapshot) == 50)
        try log.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(try log.engine.load(from: directory + "/unnamed.json") == 2)
        try log.flush()
        try Self.expectSameGraph(try MemoryLog.open(path: path).engine, log.engine)

        log.engine.reset()
        try log.engine.addFact(subject: "after", body: "the reset", kind: "pattern")
        try log.flush()
        let replayed = try MemoryLog.open(path: path)
        #expect(replayed.engine.factCount == 1)
        try Self.expectSameGraph(replayed.engine, log.engine)
    }

    @Test func aTornTailIsCutExactlyAtTheLastNewline() throws {
        let path = Self.logPath()
        let log = try MemoryLog.open(path: path)
        for index in 0..<10 { try log.engine.addFact(subject: "s\(index)", body: "b\(index)", kind: "pattern") }
        try log.flush()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(whole.last == 0x0A)

        // A write cut short: half a line, no newline.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        let torn = Data(#"{"op":"put","fact":{"id":"ws-11","subj"#.utf8)
        try handle.write(contentsOf: torn)
        try handle.close()
        let repaired = try MemoryLog.open(path: path)
        #expect(repaired.repairedBytes == Int64(torn.count))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole, "cut back to the last newline, byte for byte")
        try Self.expectSameGraph(repaired.engine, log.engine)

        // A torn write a later newline closed: the last whole line is not JSON.
        let again = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try again.seekToEnd()
        try again.write(contentsOf: Data("{\"op\":\"put\",\"fa\u{0}\u{0}\n".utf8))
        try again.close()
        let second = try MemoryLog.open(path: path)
        #expect(second.repairedBytes > 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == whole)

        // Writing on after a repair appends to a clean file.
        try second.engine.addFact(subject: "after", body: "repair", kind: "pattern")
        try second.flush()
        #expect(try MemoryLog.open(path: path).engine.factCount == 11)
    }

    @Test func aDamagedLineBeforeTheLastIsRefusedNamingIt() throws {
        let path = Self.logPath()
        let log = try MemoryLog.open(path: path)
        for index in 0..<5 {
            try log.engine.addFact(subject: "s\(index)", body: "b\(index)", kind: "pattern")
            try log.flush()
        }
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[2] = "garbage, not JSON"
        let damaged = lines.joined(separator: "\n")
        try damaged.write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try MemoryLog.open(path: path)
            Issue.record("a damaged middle line was accepted")
        } catch {
            #expect(String(describing: error).contains("line 3 is damaged (not JSON"), "\(error)")
            #expect(String(describing: error).contains(path), "\(error)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged, "a refused log is left as it was")

        // JSON that is no record is refused too, even as the last line: a crash cannot write it.
        lines[2] = #"{"op":"put","fact":{"id":"ws-3","subject":"s2","body":"b2"}}"#
        lines[4] = #"{"op":"rename","from":"a"}"#
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try MemoryLog.open(path: path)
            Issue.record("an unknown record was accepted")
        } catch {
            #expect(String(describing: error).contains("line 5 is not a memory log record") && String(describing: error).contains("rename"), "\(error)")
        }
    }

    @Test func aLogOverTheSizeLimitIsRefusedBeforeItIsRead() throws {
        let path = Self.logPath()
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        // Sparse: a 1 GiB + 1 byte file costs no disk.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(MemoryEngine.maxSnapshotBytes) + 1)
        try handle.close()
        do {
            _ = try MemoryLog.open(path: path)
            Issue.record("an oversized log was read")
        } catch {
            #expect(String(describing: error).contains("over the limit of \(MemoryEngine.maxSnapshotBytes)"), "\(error)")
        }
    }

    @Test func aGraphWithNoFileStartsEmptyAndCreatesItAtItsFirstWrite() throws {
        let path = PersistenceTests.temporaryDirectory() + "/not/yet/graph.jsonl"
        let log = try MemoryLog.open(path: path)
        #expect(log.engine.factCount == 0)
        #expect(!FileManager.default.fileExists(atPath: path), "binding alone writes nothing")
        try log.engine.addFact(subject: "s", body: "b", kind: "pattern")
        #expect(!log.isDurable(log.recordedSeq))
        try log.flush()
        #expect(log.isDurable(log.recordedSeq))
        #expect(try MemoryLog.open(path: path).engine.factCount == 1)
    }

    @Test func eachLineIsTheDocumentedRecord() throws {
        let path = Self.logPath()
        let log = try MemoryLog.open(path: path)
        try log.engine.addFact(subject: "s", body: "b", kind: "pattern")
        try log.engine.addFact(subject: "s2", body: "b2", kind: "pattern", id: "mine")
        log.engine.delete(id: "ws-1")
        try log.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        #expect(lines.count == 3)
        #expect(lines[0]["op"] == "put" && lines[0]["fact"]?["id"] == "ws-1" && lines[0]["next_id"] == 2)
        #expect(lines[1]["op"] == "put" && lines[1]["fact"]?["id"] == "mine" && lines[1]["next_id"] == nil)
        #expect(lines[2]["op"] == "delete" && lines[2]["ids"] == ["ws-1"])
    }
}
