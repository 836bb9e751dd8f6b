import CarEngine
import CarJSON
import Testing

@Suite("event log queries")
struct EventLogTests {
    /// Spins until the millisecond the log stamps has moved on, so consecutive events get
    /// distinct timestamps.
    private func nextMillisecond() {
        let start = RFC3339.nowMicros() / 1_000
        while RFC3339.nowMicros() / 1_000 <= start {}
    }

    @Test func filtersAreConjoinedAndResultsComeMostRecentFirst() throws {
        let log = try EventLog(journalPath: nil)
        log.append(.proposalReceived, proposalID: "p1", data: ["caller": "alice"])
        log.append(.actionStarted, proposalID: "p1", actionID: "a1", data: ["tool": "echo", "caller": "alice"])
        log.append(.actionSucceeded, proposalID: "p1", actionID: "a1", data: ["tool": "echo", "attempt": 2])
        log.append(.actionStarted, proposalID: "p2", actionID: "a1", data: ["tool": "shell", "caller": "bob"])
        log.append(.actionFailed, proposalID: "p2", actionID: "a2", data: ["tool": "shell"])
        #expect(log.count == 5)

        #expect(log.query(EventQuery()).map(\.seq) == [5, 4, 3, 2, 1])
        #expect(log.query(EventQuery(kinds: [.actionStarted])).map(\.seq) == [4, 2])
        #expect(log.query(EventQuery(kinds: [.actionStarted, .actionFailed], proposalID: "p2")).map(\.seq) == [5, 4])
        #expect(log.query(EventQuery(actionID: "a1")).map(\.seq) == [4, 3, 2])
        #expect(log.query(EventQuery(actionID: "a1", proposalID: "p1")).map(\.seq) == [3, 2])
        #expect(log.query(EventQuery(dataMatches: ["caller": "alice"])).map(\.seq) == [2, 1])
        #expect(log.query(EventQuery(dataMatches: ["caller": "alice", "tool": "echo"])).map(\.seq) == [2])
        #expect(log.query(EventQuery(dataMatches: ["attempt": "2"])).map(\.seq) == [3])
        #expect(log.query(EventQuery(dataMatches: ["caller": "carol"])).isEmpty)
        #expect(log.query(EventQuery(limit: 2)).map(\.seq) == [5, 4])
        #expect(log.query(EventQuery(limit: 0)).count == 5)
        #expect(log.query(EventQuery(kinds: [.actionStarted], limit: 1)).map(\.seq) == [4])
    }

    @Test func sinceIsInclusiveAndUntilExclusive() throws {
        let log = try EventLog(journalPath: nil)
        let first = log.append(.proposalReceived, proposalID: "p")
        nextMillisecond()
        let second = log.append(.actionStarted, proposalID: "p", actionID: "a")
        nextMillisecond()
        let third = log.append(.proposalCompleted, proposalID: "p")
        #expect(first.timestamp < second.timestamp && second.timestamp < third.timestamp)

        #expect(log.query(EventQuery(since: second.timestamp)).map(\.seq) == [third.seq, second.seq])
        #expect(log.query(EventQuery(until: second.timestamp)).map(\.seq) == [first.seq])
        #expect(log.query(EventQuery(since: second.timestamp, until: third.timestamp)).map(\.seq) == [second.seq])
        // The same instant written with an offset.
        let micros = try #require(RFC3339.parse(second.timestamp))
        let shifted = RFC3339.format(micros: micros + 3_600_000_000).replacingOccurrences(of: "Z", with: "+01:00")
        #expect(log.query(EventQuery(since: shifted)).map(\.seq) == [third.seq, second.seq])
        // A bound that is not a timestamp matches nothing rather than everything.
        #expect(log.query(EventQuery(since: "last tuesday")).isEmpty)
    }

    @Test func theRingKeepsOnlyTheNewestEvents() throws {
        let log = try EventLog(journalPath: nil, capacity: 3)
        for index in 1...7 { log.append(.stateChanged, data: ["key": .string("k\(index)")]) }
        #expect(log.count == 3)
        #expect(log.lastSeq == 7)
        #expect(log.query(EventQuery()).map(\.seq) == [7, 6, 5])
        #expect(log.query(EventQuery(dataMatches: ["key": "k2"])).isEmpty)
    }

    @Test func eventJSONHasTheWireShape() throws {
        let log = try EventLog(journalPath: nil)
        let event = log.append(.toolCallbackSent, proposalID: "p", actionID: "a", data: ["attempt": 1])
        let json = event.json
        #expect(json["seq"] == 1)
        #expect(json["kind"] == "tool_callback_sent")
        #expect(json["proposal_id"] == "p")
        #expect(json["action_id"] == "a")
        #expect(json["data"] == ["attempt": 1])
        #expect(RFC3339.parse(try #require(json["timestamp"]?.stringValue)) != nil)
        #expect(log.append(.proposalCompleted).json["action_id"] == .null)
    }

    @Test func queryReadsTheWireShapeAndRejectsTypos() throws {
        let query = try EventQuery(json: JSONParser.parse(#"{"kinds":["action_failed","policy_violation"],"action_id":"a","proposal_id":"p","since":"2026-01-01T00:00:00Z","data_matches":{"caller":"alice","attempt":2},"limit":5}"#))
        #expect(query == EventQuery(kinds: [.actionFailed, .policyViolation], actionID: "a", proposalID: "p", since: "2026-01-01T00:00:00Z",
                                    dataMatches: ["caller": "alice", "attempt": "2"], limit: 5))
        #expect(try EventQuery(json: .null) == EventQuery())
        #expect(throws: EventQueryError.self) { try EventQuery(json: ["kinds": ["action_exploded"]]) }
        #expect(throws: EventQueryError("'until' is not an RFC 3339 timestamp: 'soon'")) { try EventQuery(json: ["until": "soon"]) }
        #expect(throws: EventQueryError("'limit' must be a non-negative integer")) { try EventQuery(json: ["limit": -1]) }
    }
}
