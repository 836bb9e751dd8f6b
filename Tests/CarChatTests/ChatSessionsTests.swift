import CarJSON
import Testing
@testable import CarChat


private func open(_ t: ChatSessions, _ id: String, host: String = "h1", agent: String = "ag1", now: Int64 = 1_000) throws(ChatError) {
    try t.open(sessionID: id, agentID: "agent", hostClientID: host, agentClientID: agent, now: now)
}

@Suite struct ChatSessionsTests {
    @Test func deliversToTheOpeningHostOnlyAndTerminalKindsEnd() throws {
        let t = ChatSessions()
        try open(t, "s1", host: "h1")
        try open(t, "s2", host: "h2")
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "token", now: 2_000) == .deliver(hostClientID: "h1", agentID: "agent", kind: .token, ended: false))
        #expect(t.admit(from: "ag1", sessionID: "s2", kind: "tool_call") == .deliver(hostClientID: "h2", agentID: "agent", kind: .toolCall, ended: false))
        #expect(t.session("s1")?.lastEventAt == 2_000)
        #expect(t.session("s1")?.createdAt == 1_000)
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "approval_pending") == .deliver(hostClientID: "h1", agentID: "agent", kind: .approvalPending, ended: false))
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "goal_evaluated") == .deliver(hostClientID: "h1", agentID: "agent", kind: .goalEvaluated, ended: false))
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "done") == .deliver(hostClientID: "h1", agentID: "agent", kind: .done, ended: true))
        #expect(t.session("s1") == nil)
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "token") == .drop(.unknownSession))
        #expect(t.admit(from: "ag1", sessionID: "s2", kind: "error") == .deliver(hostClientID: "h2", agentID: "agent", kind: .error, ended: true))
        #expect(t.count == 0)
        #expect(t.deliveredCount == 6)
        #expect(t.dropCounts()[.unknownSession] == 1)
    }

    @Test func dropsWrongSenderUnknownSessionAndUnknownKindCountingEach() throws {
        let t = ChatSessions()
        try open(t, "s1", agent: "ag1")
        #expect(t.admit(from: "ag-respawned", sessionID: "s1", kind: "token") == .drop(.wrongSender))
        #expect(t.admit(from: "h1", sessionID: "s1", kind: "done") == .drop(.wrongSender))
        #expect(t.session("s1") != nil, "a stray terminal event must not end the session")
        #expect(t.admit(from: "ag1", sessionID: "nope", kind: "token") == .drop(.unknownSession))
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "thinking", now: 9_999) == .drop(.unknownKind))
        #expect(t.session("s1")?.lastEventAt == 1_000, "an unknown kind does not reset the silence clock")
        #expect(t.dropCounts() == [.wrongSender: 2, .unknownSession: 1, .unknownKind: 1])
        #expect(t.deliveredCount == 0)
    }

    @Test func openRefusesAnotherHostsSessionAndReplacesOwn() throws {
        let t = ChatSessions()
        try open(t, "s1", host: "h1", agent: "ag1")
        let conflict = refusal { try open(t, "s1", host: "h2") }
        #expect(conflict?.kind == .conflict)
        let replaced = try t.open(sessionID: "s1", agentID: "agent", hostClientID: "h1", agentClientID: "ag2")
        #expect(replaced?.agentClientID == "ag1")
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "token") == .drop(.wrongSender))
        #expect(t.admit(from: "ag2", sessionID: "s1", kind: "token") == .deliver(hostClientID: "h1", agentID: "agent", kind: .token, ended: false))
        #expect(t.agentClosed("ag1").isEmpty)
        #expect(t.count == 1)
        let long = String(repeating: "x", count: ChatLimits.idBytes + 1)
        #expect(refusal { try open(t, long) }?.kind == .invalid)
    }

    @Test func boundedInAllAndPerHost() throws {
        let t = ChatSessions(maxSessions: 3, maxSessionsPerHost: 2)
        try open(t, "a", host: "h1")
        try open(t, "b", host: "h1")
        let perHost = refusal { try open(t, "c", host: "h1") }
        #expect(perHost?.kind == .capacity)
        #expect(perHost?.message.contains("this connection") == true)
        try open(t, "a", host: "h1")  // re-opening one's own session is not a new row
        try open(t, "c", host: "h2")
        let total = refusal { try open(t, "d", host: "h3") }
        #expect(total?.kind == .capacity)
        #expect(total?.message.contains("maximum of 3") == true)
        _ = t.admit(from: "ag1", sessionID: "a", kind: "done")
        try open(t, "d", host: "h3")
        #expect(refusal { try open(t, "e", host: "h1") }?.kind == .capacity)
        _ = t.hostClosed("h2")
        try open(t, "e", host: "h1")
        #expect(ChatSessions().maxSessions == ChatLimits.maxSessions)
    }

    @Test func cancelOnlyByOpeningHostOrHostRoleAndLaterEventsDrop() throws {
        let t = ChatSessions()
        try open(t, "s1", host: "h1", agent: "ag1")
        #expect(refusal { _ = try t.cancel(sessionID: "s1", by: "h2", callerIsHostRole: false) }?.kind == .forbidden)
        #expect(refusal { _ = try t.cancel(sessionID: "s1", by: "ag1", callerIsHostRole: true) }?.kind == .forbidden)
        #expect(refusal { _ = try t.cancel(sessionID: "zz", by: "h1", callerIsHostRole: false) }?.kind == .notFound)
        let cancelled = try t.cancel(sessionID: "s1", by: "h1", callerIsHostRole: false)
        #expect(cancelled.agentClientID == "ag1")
        #expect(t.admit(from: "ag1", sessionID: "s1", kind: "token") == .drop(.unknownSession))
        try open(t, "s2", host: "h1")
        #expect(try t.cancel(sessionID: "s2", by: "admin", callerIsHostRole: true).hostClientID == "h1")
        #expect(t.count == 0)
    }

    @Test func approvalAllowedRules() throws {
        let t = ChatSessions()
        try open(t, "s1", host: "h1", agent: "ag1")
        #expect(try t.approvalAllowed(sessionID: "s1", caller: "h1", callerIsHostRole: false).agentClientID == "ag1")
        #expect(try t.approvalAllowed(sessionID: "s1", caller: "admin", callerIsHostRole: true).sessionID == "s1")
        #expect(refusal { _ = try t.approvalAllowed(sessionID: "s1", caller: "h2", callerIsHostRole: false) }?.kind == .forbidden)
        let own = refusal { _ = try t.approvalAllowed(sessionID: "s1", caller: "ag1", callerIsHostRole: true) }
        #expect(own?.kind == .forbidden)
        #expect(own?.message.contains("own") == true)
        #expect(refusal { _ = try t.approvalAllowed(sessionID: "nope", caller: "h1", callerIsHostRole: false) }?.kind == .notFound)
        #expect(t.session("s1") != nil, "approving keeps the session open")
    }

    @Test func hostAndAgentCloseReturnTheirSessions() throws {
        let t = ChatSessions()
        try open(t, "a", host: "h1", agent: "ag1")
        try open(t, "b", host: "h1", agent: "ag2")
        try open(t, "c", host: "h2", agent: "ag1")
        try open(t, "d", host: "h2", agent: "ag2")
        #expect(t.sessions(forHost: "h1").map(\.sessionID) == ["a", "b"])
        #expect(t.hostClosed("h1").map(\.sessionID) == ["a", "b"])
        #expect(t.hostClosed("h1").isEmpty)
        #expect(t.admit(from: "ag1", sessionID: "a", kind: "token") == .drop(.unknownSession))
        let orphaned = t.agentClosed("ag1")
        #expect(orphaned.map(\.sessionID) == ["c"])
        #expect(orphaned.first?.hostClientID == "h2")
        #expect(t.count == 1)
        #expect(t.session("d") != nil)
        #expect(t.end(sessionID: "d")?.sessionID == "d")
        #expect(t.end(sessionID: "d") == nil)
    }

    @Test func expiredRemovesSessionsSilentPastTheLimit() throws {
        let t = ChatSessions()
        let minute: Int64 = 60_000_000
        try open(t, "old", now: 0)
        try open(t, "chatty", now: 0)
        try open(t, "young", now: 8 * minute)
        _ = t.admit(from: "ag1", sessionID: "chatty", kind: "token", now: 9 * minute)
        #expect(t.expired(now: 10 * minute).isEmpty, "exactly at the limit is not past it")
        let swept = t.expired(now: 10 * minute + 1)
        #expect(swept.map(\.sessionID) == ["old"])
        #expect(t.session("old") == nil)
        #expect(t.admit(from: "ag1", sessionID: "old", kind: "token") == .drop(.unknownSession))
        #expect(t.expired(now: 12 * minute, silentLimit: .seconds(60)).map(\.sessionID) == ["young", "chatty"], "oldest first")
        #expect(ChatLimits.defaultSilentLimit == .seconds(600))
    }

    @Test func turnsNameEachOpeningSoALateEndSparesTheNextTurn() throws {
        let t = ChatSessions()
        let first = try t.openTurn(sessionID: "s", agentID: "agent", hostClientID: "h1", agentClientID: "ag1")
        #expect(first.replaced == nil)
        let second = try t.openTurn(sessionID: "s", agentID: "agent", hostClientID: "h1", agentClientID: "ag2")
        #expect(second.replaced?.turn == first.opened.turn && second.opened.turn > first.opened.turn)
        #expect(t.end(sessionID: "s", turn: first.opened.turn) == nil, "the old turn's late ack ends nothing")
        #expect(t.session("s")?.agentClientID == "ag2")
        #expect(t.end(sessionID: "s", turn: second.opened.turn)?.agentClientID == "ag2")
        #expect(t.count == 0)
    }

    @Test func anApprovalWaitIsNotSilenceUntilTheNextEventOrTheAnswer() throws {
        let t = ChatSessions()
        let minute: Int64 = 60_000_000
        let turn = try t.openTurn(sessionID: "s", agentID: "agent", hostClientID: "h1", agentClientID: "ag1", now: 0).opened
        try open(t, "other", now: 0)
        _ = t.admit(from: "ag1", sessionID: "s", kind: "approval_pending", now: minute)
        #expect(t.session("s")?.awaitingApproval == true)
        #expect(t.expired(now: 30 * minute, silentLimit: .seconds(60)).map(\.sessionID) == ["other"], "a person may take their time")
        t.touch(sessionID: "s", turn: turn.turn + 1, now: 30 * minute)
        #expect(t.session("s")?.awaitingApproval == true, "touch of another turn changes nothing")
        t.touch(sessionID: "s", turn: turn.turn, now: 30 * minute)
        #expect(t.session("s")?.awaitingApproval == false)
        #expect(t.expired(now: 30 * minute + 59_000_000, silentLimit: .seconds(60)).isEmpty, "the clock restarted at the answer")
        _ = t.admit(from: "ag1", sessionID: "s", kind: "approval_pending", now: 31 * minute)
        _ = t.admit(from: "ag1", sessionID: "s", kind: "token", now: 32 * minute)
        #expect(t.session("s")?.awaitingApproval == false, "any later event resumes the clock")
        #expect(t.expired(now: 34 * minute, silentLimit: .seconds(60)).map(\.sessionID) == ["s"])
    }

    @Test func sessionJSON() throws {
        let t = ChatSessions()
        try open(t, "s", now: 0)
        let json = try #require(t.session("s")).json
        #expect(json["agent_client_id"] == "ag1")
        #expect(json["created_at"] == "1970-01-01T00:00:00Z" || json["created_at"]?.stringValue?.hasPrefix("1970-01-01T00:00:00") == true)
    }

    @Test func concurrentAdmissionsAreAllCounted() async throws {
        let t = ChatSessions()
        for i in 0..<10 { try open(t, "s\(i)", host: "h\(i)", agent: "ag\(i)") }
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<10 {
                group.addTask {
                    for _ in 0..<1_000 { _ = t.admit(from: "ag\(i)", sessionID: "s\(i)", kind: "token") }
                    _ = t.admit(from: "intruder", sessionID: "s\(i)", kind: "token")
                    _ = t.admit(from: "ag\(i)", sessionID: "s\(i)", kind: "done")
                }
            }
        }
        #expect(t.deliveredCount == 10_010)
        #expect(t.dropCounts()[.wrongSender] == 10)
        #expect(t.count == 0)
    }
}
