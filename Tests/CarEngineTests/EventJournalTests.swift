import CarEngine
import CarJSON
import Foundation
import Testing

@Suite("event journal")
struct EventJournalTests {
    @Test func writesOneParseableLinePerEventAsItHappens() throws {
        let path = EventLog.journalPath(directory: Fixture.temporaryDirectory(), clientID: "client-1")
        #expect(path.hasSuffix("/client-1.jsonl"))
        let log = try EventLog(journalPath: path)
        log.append(.proposalReceived, proposalID: "p", data: ["note": "line\nbreak \"quoted\""])
        log.append(.actionStarted, proposalID: "p", actionID: "a1")
        // Already on disk before close: appends are not buffered.
        #expect(try Fixture.lines(of: path).count == 3)
        log.append(.proposalCompleted, proposalID: "p")
        log.close()

        let lines = try Fixture.lines(of: path)
        #expect(lines.last == "", "the file ends with a newline")
        let events = try lines.dropLast().map { try JSONParser.parse($0) }
        #expect(events.map { $0["seq"] } == [1, 2, 3])
        #expect(events.map { $0["kind"] } == ["proposal_received", "action_started", "proposal_completed"])
        #expect(events[0]["data"]?["note"] == "line\nbreak \"quoted\"")
        #expect(events[1]["action_id"] == "a1")
    }

    @Test func aTornLastLineIsCutBackAndNumberingContinues() throws {
        let path = Fixture.temporaryDirectory() + "/torn.jsonl"
        let first = try EventLog(journalPath: path)
        first.append(.proposalReceived, proposalID: "p")
        first.append(.actionStarted, proposalID: "p", actionID: "a")
        first.close()
        // What a crash in the middle of a write would leave behind.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":3,"kind":"action_succ"#.utf8))
        handle.closeFile()

        let reopened = try EventLog(journalPath: path)
        #expect(try Fixture.lines(of: path).count == 3, "the partial line is gone")
        let event = reopened.append(.actionSucceeded, proposalID: "p", actionID: "a")
        #expect(event.seq == 3)
        #expect(reopened.count == 1, "earlier connections' events are not loaded")
        reopened.close()

        let lines = try Fixture.lines(of: path).dropLast()
        #expect(lines.count == 3)
        for line in lines { _ = try JSONParser.parse(line) }
        #expect(try JSONParser.parse(lines[2])["kind"] == "action_succeeded")
    }

    @Test func aFileWithNoNewlineAtAllIsEmptied() throws {
        let path = Fixture.temporaryDirectory() + "/garbage.jsonl"
        try Data("{\"seq\":1,\"ki".utf8).write(to: URL(fileURLWithPath: path))
        let log = try EventLog(journalPath: path)
        #expect(log.append(.proposalReceived).seq == 1)
        log.close()
        let lines = try Fixture.lines(of: path)
        #expect(lines.count == 2)
        #expect(try JSONParser.parse(lines[0])["kind"] == "proposal_received")
    }

    @Test func aLastLineThatIsNotJSONIsCutEvenWithItsNewline() throws {
        let path = Fixture.temporaryDirectory() + "/garbled.jsonl"
        // A torn write that a later newline closed: whole lines, the last one not JSON.
        try Data(("{\"seq\":1,\"kind\":\"proposal_received\"}\n" + "{\"seq\":2,\"ki\n").utf8).write(to: URL(fileURLWithPath: path))
        let log = try EventLog(journalPath: path)
        #expect(try Fixture.lines(of: path) == [#"{"seq":1,"kind":"proposal_received"}"#, ""])
        #expect(log.append(.proposalCompleted).seq == 2, "numbering continues from the last valid line")
        log.close()
    }

    @Test func noFileIsCreatedBeforeTheFirstEvent() async throws {
        let directory = Fixture.temporaryDirectory()
        let path = directory + "/lazy.jsonl"
        let quiet = try EventLog(journalPath: path)
        #expect(quiet.count == 0)
        #expect(!FileManager.default.fileExists(atPath: path), "a log without events makes no file")
        await quiet.closeJournal()
        #expect(!FileManager.default.fileExists(atPath: path))
        quiet.append(.proposalReceived)
        #expect(!FileManager.default.fileExists(atPath: path), "a closed log never creates its file")

        let busy = try EventLog(journalPath: path)
        busy.append(.proposalReceived)
        #expect(try Fixture.lines(of: path).count == 2, "the first event creates the file")
        await busy.closeJournal()
        #expect(FileManager.default.fileExists(atPath: path), "a journal with events is kept")
    }

    @Test func aJournalLeftEmptyIsRemovedWhenItCloses() async throws {
        let path = Fixture.temporaryDirectory() + "/emptied.jsonl"
        let log = try EventLog(journalPath: path)
        for _ in 0..<3 { log.append(.stateChanged) }
        log.setRetention(RetentionPolicy(maxEvents: 0))
        #expect(await log.compactJournal(force: true))
        #expect(try Fixture.lines(of: path) == [""], "rewritten to the events kept: none")
        await log.closeJournal()
        #expect(!FileManager.default.fileExists(atPath: path))

        // An empty file found at open (a crash before the first line) goes the same way.
        FileManager.default.createFile(atPath: path, contents: nil)
        let reopened = try EventLog(journalPath: path)
        await reopened.closeJournal()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func closingWithoutWaitingStillFlushesAndRemoves() async throws {
        let directory = Fixture.temporaryDirectory()
        let folder = JournalFolder(directory: directory)
        let kept = try EventLog(journalPath: directory + "/kept.jsonl", folder: folder)
        kept.append(.proposalReceived)
        let emptied = try EventLog(journalPath: directory + "/emptied.jsonl", folder: folder)
        emptied.append(.proposalReceived)
        emptied.setRetention(RetentionPolicy(maxEvents: 0))
        #expect(await emptied.compactJournal(force: true))
        #expect(folder.liveCount == 2)
        kept.close()
        emptied.close()
        #expect(await folder.waitUntilIdle(timeout: .seconds(30)))
        #expect(folder.liveCount == 0)
        #expect(FileManager.default.fileExists(atPath: directory + "/kept.jsonl"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/emptied.jsonl"))
    }

    @Test func theJournalKeepsEverythingWhileTheRingIsBounded() throws {
        let path = Fixture.temporaryDirectory() + "/ring.jsonl"
        let log = try EventLog(journalPath: path, capacity: 2)
        for _ in 0..<5 { log.append(.stateChanged) }
        log.close()
        #expect(log.count == 2)
        #expect(try Fixture.lines(of: path).count == 6)
    }

    @Test func clientIDsCannotEscapeTheDirectory() {
        #expect(EventLog.journalPath(directory: "/j", clientID: "../../etc/passwd") == "/j/_.._.._etc_passwd.jsonl")
        #expect(EventLog.journalPath(directory: "/j", clientID: "") == "/j/_.jsonl")
        #expect(EventLog.journalPath(directory: "/j", clientID: "ok_ID-9.x") == "/j/ok_ID-9.x.jsonl")
    }

    @Test func anUnopenableJournalIsAnError() {
        #expect(throws: EventLogError.self) { try EventLog(journalPath: "/proc/car-engine-cannot-create/x.jsonl") }
    }
}
