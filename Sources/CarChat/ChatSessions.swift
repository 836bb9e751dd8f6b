import CarJSON
import Synchronization

/// The kinds of `agent.chat.event`. `done` and `error` are terminal: they end the session.
public enum ChatEventKind: String, Sendable, CaseIterable {
    case token
    case toolCall = "tool_call"
    case approvalPending = "approval_pending"
    case goalEvaluated = "goal_evaluated"
    case done
    case error

    public var isTerminal: Bool { self == .done || self == .error }
}

/// Why an agent event was not delivered.
public enum ChatDropReason: String, Sendable, CaseIterable {
    /// No in-flight session has that id (never opened, or already ended: done, error, cancel,
    /// sweep or either side closing).
    case unknownSession = "unknown_session"
    /// The session exists but the event came from a connection other than the agent connection
    /// the turn was sent to (a respawned agent's stray event, or a third connection).
    case wrongSender = "wrong_sender"
    /// The kind is not one of `ChatEventKind`. Dropped (not delivered, not terminal, the
    /// session stays open and its silence clock is not reset), so a host only ever sees the
    /// documented kinds.
    case unknownKind = "unknown_kind"
}

/// One in-flight chat turn: where it came from and where it was sent. Times are microseconds
/// since the Unix epoch (`RFC3339.nowMicros()`).
public struct ChatSession: Sendable, Hashable {
    public var sessionID: String
    public var agentID: String
    /// The host connection that opened it: the only one its events reach.
    public var hostClientID: String
    /// The agent connection `agent.chat` was sent on: the only one whose events are admitted.
    public var agentClientID: String
    public var createdAt: Int64
    public var lastEventAt: Int64
    /// Which opening of `sessionID` this is (unique per table): a host may reuse a session id
    /// for its next turn, and work for the old turn (a late ack) must not end the new one.
    public var turn: UInt64 = 0
    /// The agent's last event was `approval_pending`: the turn waits for a person, so its
    /// silence is not the agent's and the sweeper leaves it alone until the next event or the
    /// host's answer (`touch`).
    public var awaitingApproval = false

    public var json: JSONValue {
        .object(["session_id": .string(sessionID), "agent_id": .string(agentID),
                 "host_client_id": .string(hostClientID), "agent_client_id": .string(agentClientID),
                 "created_at": .string(RFC3339.format(micros: createdAt)),
                 "last_event_at": .string(RFC3339.format(micros: lastEventAt)),
                 "awaiting_approval": .bool(awaitingApproval)])
    }
}

/// What to do with one agent event.
public enum ChatAdmission: Sendable, Equatable {
    /// Relay it as `agents.chat.event` (naming `agentID`) to `hostClientID`. When `ended`, the
    /// event was terminal and the session is gone (later events drop).
    case deliver(hostClientID: String, agentID: String, kind: ChatEventKind, ended: Bool)
    case drop(ChatDropReason)
}

/// The table of in-flight chat sessions, shared by every connection (Sendable; one Mutex, no
/// I/O, no suspension inside it).
///
/// Bounds: at most `maxSessions` in all and `maxSessionsPerHost` per host connection (past
/// either, `open` refuses with `.capacity`); ids at most `ChatLimits.idBytes`.
///
/// Ownership: a session's events reach only `hostClientID` and are admitted only from
/// `agentClientID`. A session id in flight for one host cannot be opened by another
/// (`.conflict`); the same host opening it again replaces the routing (the old turn is
/// returned so the caller can cancel it at its agent). Ending is always removal: a cancelled,
/// finished, swept or orphaned session's later events drop as `unknown_session`. Note that
/// events carry no turn id, so a stray event from the *same* agent connection for a session id
/// the host has re-opened cannot be told apart from the new turn's.
public final class ChatSessions: Sendable {
    private struct Inner {
        var sessions: [String: ChatSession] = [:]
        var byHost: [String: Set<String>] = [:]
        var byAgent: [String: Set<String>] = [:]
        var drops: [ChatDropReason: Int] = [:]
        var delivered = 0
        var nextTurn: UInt64 = 1
    }

    public let maxSessions: Int
    public let maxSessionsPerHost: Int
    private let state = Mutex(Inner())

    public init(maxSessions: Int = ChatLimits.maxSessions, maxSessionsPerHost: Int = ChatLimits.maxSessionsPerHost) {
        self.maxSessions = max(1, maxSessions)
        self.maxSessionsPerHost = max(1, maxSessionsPerHost)
    }

    /// Opens a session sent to `agentClientID` on behalf of `hostClientID`. Returns the session
    /// this one replaced (same id, same host), if any. Refused: an id over its cap (`.invalid`),
    /// the id in flight for another host (`.conflict`), a full table or host (`.capacity`).
    @discardableResult
    public func open(sessionID: String, agentID: String, hostClientID: String, agentClientID: String,
                     now: Int64 = RFC3339.nowMicros()) throws(ChatError) -> ChatSession? {
        try openTurn(sessionID: sessionID, agentID: agentID, hostClientID: hostClientID, agentClientID: agentClientID, now: now).replaced
    }

    /// `open`, answering the opened session too (its `turn` names this opening).
    public func openTurn(sessionID: String, agentID: String, hostClientID: String, agentClientID: String,
                         now: Int64 = RFC3339.nowMicros()) throws(ChatError) -> (opened: ChatSession, replaced: ChatSession?) {
        try ChatLimits.check(sessionID, "session_id", ChatLimits.idBytes)
        try ChatLimits.check(agentID, "agent_id", ChatLimits.idBytes)
        try ChatLimits.check(hostClientID, "host client id", ChatLimits.idBytes)
        try ChatLimits.check(agentClientID, "agent client id", ChatLimits.idBytes)
        var session = ChatSession(sessionID: sessionID, agentID: agentID, hostClientID: hostClientID,
                                  agentClientID: agentClientID, createdAt: now, lastEventAt: now)
        let result: Result<(ChatSession, ChatSession?), ChatError> = state.withLock { s in
            let previous = s.sessions[sessionID]
            if let previous {
                guard previous.hostClientID == hostClientID else {
                    return .failure(ChatError(.conflict, "session \(sessionID) is already in flight for another host"))
                }
            } else {
                guard s.sessions.count < maxSessions else {
                    return .failure(ChatError(.capacity, "the daemon holds the maximum of \(maxSessions) chat sessions"))
                }
                guard s.byHost[hostClientID, default: []].count < maxSessionsPerHost else {
                    return .failure(ChatError(.capacity, "this connection holds the maximum of \(maxSessionsPerHost) chat sessions"))
                }
            }
            if let previous { Self.remove(&s, previous.sessionID) }
            session.turn = s.nextTurn
            s.nextTurn += 1
            s.sessions[sessionID] = session
            s.byHost[hostClientID, default: []].insert(sessionID)
            s.byAgent[agentClientID, default: []].insert(sessionID)
            return .success((session, previous))
        }
        let (opened, replaced) = try result.get()
        return (opened, replaced)
    }

    /// Routes one `agent.chat.event` from `connectionID`. Delivered events refresh
    /// `lastEventAt`; a terminal kind ends the session. Drops are counted by reason.
    public func admit(from connectionID: String, sessionID: String, kind: String,
                      now: Int64 = RFC3339.nowMicros()) -> ChatAdmission {
        state.withLock { s in
            guard let session = s.sessions[sessionID] else { return Self.drop(&s, .unknownSession) }
            guard session.agentClientID == connectionID else { return Self.drop(&s, .wrongSender) }
            guard let kind = ChatEventKind(rawValue: kind) else { return Self.drop(&s, .unknownKind) }
            s.delivered += 1
            if kind.isTerminal {
                Self.remove(&s, sessionID)
                return .deliver(hostClientID: session.hostClientID, agentID: session.agentID, kind: kind, ended: true)
            }
            s.sessions[sessionID]?.lastEventAt = max(session.lastEventAt, now)
            s.sessions[sessionID]?.awaitingApproval = kind == .approvalPending
            return .deliver(hostClientID: session.hostClientID, agentID: session.agentID, kind: kind, ended: false)
        }
    }

    /// Ends the session for `agents.chat.cancel`: allowed for the host that opened it or a
    /// host-role caller. Returns it (forward `agent.chat.cancel` to its `agentClientID`).
    public func cancel(sessionID: String, by clientID: String, callerIsHostRole: Bool) throws(ChatError) -> ChatSession {
        let result: Result<ChatSession, ChatError> = state.withLock { s in
            guard let session = s.sessions[sessionID] else { return .failure(Self.notFound(sessionID)) }
            guard session.agentClientID != clientID,
                  session.hostClientID == clientID || callerIsHostRole else {
                return .failure(ChatError(.forbidden, "only the host that started session \(sessionID) may cancel it"))
            }
            Self.remove(&s, sessionID)
            return .success(session)
        }
        return try result.get()
    }

    /// Whether `caller` may answer an approval in the session (`agents.chat.approve`): the host
    /// that opened it or a host-role session, never the agent connection the turn runs on.
    /// Returns the session (the approval goes to its `agentClientID`); it stays open.
    public func approvalAllowed(sessionID: String, caller: String, callerIsHostRole: Bool) throws(ChatError) -> ChatSession {
        let result: Result<ChatSession, ChatError> = state.withLock { s in
            guard let session = s.sessions[sessionID] else { return .failure(Self.notFound(sessionID)) }
            guard caller != session.agentClientID else {
                return .failure(ChatError(.forbidden, "an agent cannot approve its own chat turn"))
            }
            guard caller == session.hostClientID || callerIsHostRole else {
                return .failure(ChatError(.forbidden, "only the host that started session \(sessionID) or a host-role session may approve"))
            }
            return .success(session)
        }
        return try result.get()
    }

    /// Ends a session without an event (the agent refused or never acked `agent.chat`).
    @discardableResult
    public func end(sessionID: String) -> ChatSession? {
        state.withLock { s in Self.remove(&s, sessionID) }
    }

    /// Ends that turn of the session only: nil (nothing ended) when the session has ended or
    /// was reopened since.
    @discardableResult
    public func end(sessionID: String, turn: UInt64) -> ChatSession? {
        state.withLock { s in
            guard s.sessions[sessionID]?.turn == turn else { return nil }
            return Self.remove(&s, sessionID)
        }
    }

    /// The host connection closed: its sessions are removed and returned (send
    /// `agent.chat.cancel` to each one's `agentClientID`).
    public func hostClosed(_ clientID: String) -> [ChatSession] {
        state.withLock { s in
            (s.byHost[clientID] ?? []).sorted().compactMap { Self.remove(&s, $0) }
        }
    }

    /// The agent connection closed: its sessions are removed and returned (send a terminal
    /// `error` event to each one's `hostClientID`).
    public func agentClosed(_ clientID: String) -> [ChatSession] {
        state.withLock { s in
            (s.byAgent[clientID] ?? []).sorted().compactMap { Self.remove(&s, $0) }
        }
    }

    /// For the sweeper: sessions whose last event (or opening) is more than `silentLimit` before
    /// `now` and that are not waiting for a person's approval, removed and returned oldest first
    /// (send each host a terminal `error`, and the agent `agent.chat.cancel`). Removal is atomic with the check, so an event racing the sweep
    /// either arrives first (and keeps the session) or drops.
    public func expired(now: Int64 = RFC3339.nowMicros(), silentLimit: Duration = ChatLimits.defaultSilentLimit) -> [ChatSession] {
        let cutoff = now - ChatLimits.micros(silentLimit)
        return state.withLock { s in
            let stale = s.sessions.values.filter { $0.lastEventAt < cutoff && !$0.awaitingApproval }
                .sorted { ($0.lastEventAt, $0.sessionID) < ($1.lastEventAt, $1.sessionID) }
            for session in stale { Self.remove(&s, session.sessionID) }
            return stale
        }
    }

    /// The host answered an approval of that turn: the silence clock starts again from `now`.
    public func touch(sessionID: String, turn: UInt64, now: Int64 = RFC3339.nowMicros()) {
        state.withLock { s in
            guard var session = s.sessions[sessionID], session.turn == turn else { return }
            session.lastEventAt = max(session.lastEventAt, now)
            session.awaitingApproval = false
            s.sessions[sessionID] = session
        }
    }

    public func session(_ sessionID: String) -> ChatSession? {
        state.withLock { $0.sessions[sessionID] }
    }

    public var count: Int { state.withLock { $0.sessions.count } }

    /// Every session in flight, oldest first.
    public func all() -> [ChatSession] {
        state.withLock { s in s.sessions.values.sorted { ($0.createdAt, $0.sessionID) < ($1.createdAt, $1.sessionID) } }
    }

    public func sessions(forHost clientID: String) -> [ChatSession] {
        state.withLock { s in (s.byHost[clientID] ?? []).sorted().compactMap { s.sessions[$0] } }
    }

    /// Events dropped so far, by reason (every reason present, zero when none).
    public func dropCounts() -> [ChatDropReason: Int] {
        state.withLock { s in
            Dictionary(uniqueKeysWithValues: ChatDropReason.allCases.map { ($0, s.drops[$0] ?? 0) })
        }
    }

    /// Events delivered so far.
    public var deliveredCount: Int { state.withLock { $0.delivered } }

    private static func drop(_ s: inout Inner, _ reason: ChatDropReason) -> ChatAdmission {
        s.drops[reason, default: 0] += 1
        return .drop(reason)
    }

    @discardableResult
    private static func remove(_ s: inout Inner, _ sessionID: String) -> ChatSession? {
        guard let session = s.sessions.removeValue(forKey: sessionID) else { return nil }
        s.byHost[session.hostClientID]?.remove(sessionID)
        if s.byHost[session.hostClientID]?.isEmpty == true { s.byHost[session.hostClientID] = nil }
        s.byAgent[session.agentClientID]?.remove(sessionID)
        if s.byAgent[session.agentClientID]?.isEmpty == true { s.byAgent[session.agentClientID] = nil }
        return session
    }

    private static func notFound(_ sessionID: String) -> ChatError {
        ChatError(.notFound, "no chat session \(sessionID) is in flight")
    }
}
