import CarEngine
import Foundation
import Glibc
import Testing

/// The journals folder: the daemon-wide cap (oldest first, never a live journal) and the
/// startup sweep that repairs what an earlier run left.
@Suite("journals folder: cap and startup sweep")
struct JournalFolderTests {
    static func write(_ text: String, to path: String, ageSeconds: Int = 0) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        if ageSeconds > 0 { setAge(path, seconds: ageSeconds) }
    }

    static func setAge(_ path: String, seconds: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var times = [timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0), timespec(tv_sec: now.tv_sec - seconds, tv_nsec: 0)]
        _ = utimensat(AT_FDCWD, path, &times, 0)
    }

    static func names(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    static let line = #"{"seq":1,"kind":"state_changed","timestamp":"2026-01-01T00:00:00.000Z","proposal_id":null,"action_id":null,"data":{}}"# + "\n"

    @Test func theCapRemovesTheOldestClosedJournalsFirst() throws {
        let directory = Fixture.temporaryDirectory()
        for index in 0..<10 {
            // j0 is the oldest (100 s), j9 the newest (10 s).
            try Self.write(Self.line, to: directory + "/j\(index).jsonl", ageSeconds: 100 - index * 10)
        }
        try Self.write("not a journal", to: directory + "/notes.txt", ageSeconds: 1000)
        let folder = JournalFolder(directory: directory, limits: JournalLimits(maxFiles: 4))
        let report = folder.enforceCap()
        #expect(report.removed == (0..<6).map { directory + "/j\($0).jsonl" })
        #expect(report.files == 4)
        #expect(try Self.names(in: directory) == ["j6.jsonl", "j7.jsonl", "j8.jsonl", "j9.jsonl", "notes.txt"],
                "other files are never counted or removed")
        #expect(folder.enforceCap().removed.isEmpty, "within the cap, nothing more goes")
    }

    @Test func theByteCapCountsEveryJournal() throws {
        let directory = Fixture.temporaryDirectory()
        let big = String(repeating: Self.line, count: 100)  // 11 KB and a bit
        for index in 0..<5 { try Self.write(big, to: directory + "/b\(index).jsonl", ageSeconds: 50 - index) }
        let folder = JournalFolder(directory: directory, limits: JournalLimits(maxBytes: Int64(big.utf8.count * 2)))
        let report = folder.enforceCap()
        #expect(report.removed.count == 3)
        #expect(report.bytes == Int64(big.utf8.count * 2))
        #expect(try Self.names(in: directory) == ["b3.jsonl", "b4.jsonl"])
    }

    @Test func aLiveJournalIsNeverRemovedEvenWhenOldest() async throws {
        let directory = Fixture.temporaryDirectory()
        let folder = JournalFolder(directory: directory, limits: JournalLimits(maxFiles: 1))
        let live = try EventLog(journalPath: folder.journalPath(clientID: "live"), folder: folder)
        live.append(.proposalReceived)
        Self.setAge(directory + "/live.jsonl", seconds: 500)
        try Self.write(Self.line, to: directory + "/closed.jsonl", ageSeconds: 5)
        #expect(folder.enforceCap().removed == [directory + "/closed.jsonl"])
        #expect(try Self.names(in: directory) == ["live.jsonl"])

        // Another daemon sharing the folder does not know this one's live set; the journal's
        // lock keeps it safe there too.
        let other = JournalFolder(directory: directory, limits: JournalLimits(maxFiles: 0))
        #expect(other.enforceCap().removed.isEmpty)
        #expect(other.sweepAtStartup().repaired.isEmpty)
        #expect(try Self.names(in: directory) == ["live.jsonl"])

        // Once closed, it is an ordinary old journal.
        await live.closeJournal()
        #expect(await folder.waitUntilIdle(timeout: .seconds(120)))
        #expect(other.enforceCap().removed == [directory + "/live.jsonl"])
    }

    @Test func closingAJournalEnforcesTheCap() async throws {
        let directory = Fixture.temporaryDirectory()
        let folder = JournalFolder(directory: directory, limits: JournalLimits(maxFiles: 2))
        var logs: [EventLog] = []
        for index in 0..<5 {
            let log = try EventLog(journalPath: folder.journalPath(clientID: "c\(index)"), folder: folder)
            log.append(.proposalReceived)
            Self.setAge(directory + "/c\(index).jsonl", seconds: 100 - index)
            logs.append(log)
        }
        #expect(folder.enforceCap().removed.isEmpty, "all five are live")
        for log in logs { log.close() }
        #expect(await folder.waitUntilIdle(timeout: .seconds(120)))
        #expect(try Self.names(in: directory) == ["c3.jsonl", "c4.jsonl"])
    }

    @Test func theStartupSweepRepairsTornTailsAndDropsWhatHoldsNothing() throws {
        let directory = Fixture.temporaryDirectory()
        let whole = Self.line + Self.line
        let torn = #"{"seq":3,"ki"#
        try Self.write(whole, to: directory + "/good.jsonl")
        try Self.write(whole + torn, to: directory + "/torn.jsonl")
        try Self.write(whole + torn + "\n", to: directory + "/garbled.jsonl")
        try Self.write(#"{"seq":1,"kind":"#, to: directory + "/only-torn.jsonl")
        try Self.write("", to: directory + "/empty.jsonl")
        try Self.write(Self.line, to: directory + "/stale.jsonl.compact", ageSeconds: 120)
        try Self.write(Self.line, to: directory + "/fresh.jsonl.compact")
        #expect(symlink(directory + "/good.jsonl", directory + "/link.jsonl") == 0)

        let report = JournalFolder(directory: directory).sweepAtStartup()
        #expect(report.repaired == [directory + "/torn.jsonl": Int64(torn.utf8.count), directory + "/garbled.jsonl": Int64(torn.utf8.count + 1),
                                    directory + "/only-torn.jsonl": 16])
        #expect(Set(report.removedEmpty) == [directory + "/only-torn.jsonl", directory + "/empty.jsonl"])
        #expect(report.removedLeftovers == [directory + "/stale.jsonl.compact"])
        #expect(try Self.names(in: directory) == ["fresh.jsonl.compact", "garbled.jsonl", "good.jsonl", "link.jsonl", "torn.jsonl"])
        for name in ["good", "torn", "garbled"] {
            #expect(try String(contentsOfFile: directory + "/\(name).jsonl", encoding: .utf8) == whole, "\(name)")
        }
        #expect(try String(contentsOfFile: directory + "/link.jsonl", encoding: .utf8) == whole, "a link is not followed or touched")
    }

    @Test func theStartupSweepAppliesTheCapToo() throws {
        let directory = Fixture.temporaryDirectory()
        for index in 0..<6 { try Self.write(Self.line, to: directory + "/s\(index).jsonl", ageSeconds: 60 - index) }
        let report = JournalFolder(directory: directory, limits: JournalLimits(maxFiles: 3)).sweepAtStartup()
        #expect(report.cap.removed.count == 3)
        #expect(try Self.names(in: directory) == ["s3.jsonl", "s4.jsonl", "s5.jsonl"])
    }

    @Test func limitsComeFromTheEnvironment() throws {
        #expect(try JournalLimits(environment: [:]) == JournalLimits(maxFiles: 1_000, maxBytes: 256 << 20))
        let set = try JournalLimits(environment: ["CAR_JOURNAL_MAX_FILES": "20", "CAR_JOURNAL_MAX_BYTES": " 4096 "])
        #expect(set == JournalLimits(maxFiles: 20, maxBytes: 4096))
        let huge = try JournalLimits(environment: ["CAR_JOURNAL_MAX_BYTES": "99999999999999999999999"])
        #expect(huge.maxBytes == .max, "saturates instead of wrapping")
        #expect(throws: EventLogError("CAR_JOURNAL_MAX_FILES must be a non-negative integer, got '-1'")) {
            try JournalLimits(environment: ["CAR_JOURNAL_MAX_FILES": "-1"])
        }
        #expect(throws: EventLogError("CAR_JOURNAL_MAX_BYTES must be a non-negative integer, got '1e9'")) {
            try JournalLimits(environment: ["CAR_JOURNAL_MAX_BYTES": "1e9"])
        }
    }
}
