import CarEngine
import CarJSON
import Foundation
import Testing

/// `events.retention` in the domain: the ring follows the policy at once and on every append,
/// and the journal follows by an atomic rewrite when the protocol doc's rule says so.
@Suite("event retention and journal compaction")
struct EventRetentionTests {
    static func seqs(of path: String) throws -> [Int64] {
        try Fixture.lines(of: path).dropLast().map { try #require(JSONParser.parse($0)["seq"]?.intValue) }
    }

    @Test func maxEventsTrimsAtOnceAndOnEveryAppend() throws {
        let log = try EventLog(journalPath: nil)
        for _ in 0..<10 { log.append(.stateChanged) }
        #expect(log.setRetention(RetentionPolicy(maxEvents: 4)) == 6)
        #expect(log.count == 4)
        #expect(log.query(EventQuery()).map(\.seq) == [10, 9, 8, 7], "the newest are kept")
        for _ in 0..<3 { log.append(.stateChanged) }
        #expect(log.count == 4)
        #expect(log.query(EventQuery()).map(\.seq) == [13, 12, 11, 10])
        #expect(log.retention == RetentionPolicy(maxEvents: 4))

        // A new policy replaces the old one: {} bounds nothing again.
        #expect(log.setRetention(RetentionPolicy()) == 0)
        for _ in 0..<3 { log.append(.stateChanged) }
        #expect(log.count == 7)
    }

    @Test func maxAgeDropsWhatIsOlderAtOnceAndAsTimePasses() async throws {
        let log = try EventLog(journalPath: nil)
        for _ in 0..<3 { log.append(.stateChanged) }
        try await Task.sleep(for: .milliseconds(1100))
        log.append(.proposalReceived)
        #expect(log.setRetention(RetentionPolicy(maxAgeSeconds: 1)) == 3, "the three events over a second old go")
        #expect(log.query(EventQuery()).map(\.kind) == [.proposalReceived])
        try await Task.sleep(for: .milliseconds(1100))
        log.append(.proposalCompleted)
        #expect(log.query(EventQuery()).map(\.kind) == [.proposalCompleted], "an append applies the age bound too")
    }

    @Test func zeroKeepsNothingAndHugeBoundsSaturate() async throws {
        let log = try EventLog(journalPath: nil)
        for _ in 0..<5 { log.append(.stateChanged) }
        #expect(log.setRetention(RetentionPolicy(maxEvents: .max, maxAgeSeconds: .max)) == 0, "centuries of age keep everything, without trapping")
        #expect(log.count == 5)
        try await Task.sleep(for: .milliseconds(5))
        #expect(log.setRetention(RetentionPolicy(maxAgeSeconds: 0)) == 5)
        #expect(log.count == 0)
        #expect(log.setRetention(RetentionPolicy(maxEvents: 0)) == 0)
        log.append(.stateChanged)
        #expect(log.count == 0)
        #expect(log.lastSeq == 6, "numbering goes on while nothing is kept")
    }

    @Test func eventsDroppedOnArrivalAreNotJournaled() async throws {
        let path = Fixture.temporaryDirectory() + "/dropped.jsonl"
        let log = try EventLog(journalPath: path)
        log.setRetention(RetentionPolicy(maxEvents: 0))
        for _ in 0..<3 { log.append(.stateChanged) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing kept, nothing written, no file")
        log.setRetention(RetentionPolicy(maxEvents: 1))
        log.append(.proposalCompleted)
        #expect(try Self.seqs(of: path) == [4])
        await log.closeJournal()
    }

    @Test func negativeBoundsAreRefusedByName() {
        #expect(throws: EventLogError("'policy.max_events' must be >= 0, got -1")) { try RetentionPolicy(maxEvents: -1).validate() }
        #expect(throws: EventLogError("'policy.max_age_secs' must be >= 0, got -5")) { try RetentionPolicy(maxAgeSeconds: -5).validate() }
        #expect(throws: Never.self) { try RetentionPolicy(maxEvents: 0, maxAgeSeconds: 0).validate() }
    }

    @Test func aTrimCompactsTheJournalToExactlyTheEventsKept() async throws {
        let directory = Fixture.temporaryDirectory()
        let path = directory + "/compact.jsonl"
        let log = try EventLog(journalPath: path)
        for _ in 0..<2000 { log.append(.stateChanged) }
        #expect(log.setRetention(RetentionPolicy(maxEvents: 100)) == 1900)
        #expect(await log.compactJournal())
        #expect(try Self.seqs(of: path) == Array(1901...2000))
        #expect(!FileManager.default.fileExists(atPath: path + ".compact"), "the rewrite was renamed into place")
        // Appends continue on the new file.
        log.append(.proposalCompleted)
        #expect(try Self.seqs(of: path) == Array(1901...2001))
        #expect(log.journalFailure == nil)
        await log.closeJournal()
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func smallSurplusesAreNotRewritten() async throws {
        let path = Fixture.temporaryDirectory() + "/throttle.jsonl"
        let log = try EventLog(journalPath: path)
        for _ in 0..<1000 { log.append(.stateChanged) }
        log.setRetention(RetentionPolicy(maxEvents: 10))
        #expect(await log.compactJournal() == false, "990 lines over the kept set is below the 1,024-line threshold")
        #expect(try Self.seqs(of: path).count == 1000)
        // 1,024 lines over, but shrinking by less than a quarter: still not worth it.
        let big = try EventLog(journalPath: path + ".b.jsonl", capacity: 5000)
        for _ in 0..<5000 { big.append(.stateChanged) }
        big.setRetention(RetentionPolicy(maxEvents: 3976))
        #expect(await big.compactJournal() == false)
        big.setRetention(RetentionPolicy(maxEvents: 3750))
        #expect(await big.compactJournal(), "1,250 lines over out of 5,000 is a quarter")
        #expect(try Self.seqs(of: path + ".b.jsonl") == Array(1251...5000))
        await log.closeJournal()
        await big.closeJournal()
    }

    @Test func theRingsOwnCapacityKeepsALiveJournalBounded() async throws {
        let path = Fixture.temporaryDirectory() + "/ring-bound.jsonl"
        let log = try EventLog(journalPath: path, capacity: 100)
        for _ in 0..<1200 { log.append(.stateChanged) }
        // The 1,124th append found the file 1,024 lines over the ring and scheduled a rewrite.
        // Generous: the rewrite runs on the blocking pool, which a loaded machine may keep busy.
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while try Self.seqs(of: path).count > 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let seqs = try Self.seqs(of: path)
        #expect(seqs.count <= 200)
        #expect(seqs == Array(seqs.first!...1200), "a contiguous tail ending at the newest event")
        await log.closeJournal()
    }

    @Test func eventsAppendedDuringARewriteAreNotLost() async throws {
        let path = Fixture.temporaryDirectory() + "/concurrent.jsonl"
        let log = try EventLog(journalPath: path, capacity: 3000)
        for _ in 0..<3000 { log.append(.stateChanged) }
        let writer = Task.detached {
            for _ in 0..<20_000 { log.append(.stateChanged) }
        }
        var rewrites = 0
        while !writer.isCancelled, log.lastSeq < 23_000 {
            if await log.compactJournal(force: true) { rewrites += 1 }
        }
        await writer.value
        await log.closeJournal()
        #expect(rewrites > 0)
        // Whatever interleaving happened: from the last snapshot's oldest event on, every
        // event is in the file exactly once, in order, up to the newest.
        let seqs = try Self.seqs(of: path)
        let first = try #require(seqs.first)
        #expect(first <= 20_001, "at least the events the ring keeps")
        #expect(seqs == Array(first...23_000))
    }
}
