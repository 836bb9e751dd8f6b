import CarChat
import CarGenerated
import CarIO
import CarRPC
import Synchronization

/// Chat turns between host connections and supervised agents (the seed's `chat_sessions` and
/// the cleanup in `remove_session`). CarChat owns the rules (validation, who may route, cancel
/// or approve, the goals file); this joins them to the connections: the `agent.chat` reverse
/// call and its bounded ack, the relay of `agent.chat.event` to the one host that opened the
/// turn, cancel and approve forwarded to the agent, and the ends no event announces — an agent
/// that refuses, never acks, disconnects or goes silent gets its host a terminal `error`.
///
/// Nothing here blocks: the relay runs on the event loop as each agent frame is read, and the
/// goals file is rewritten on the blocking pool, one coalesced write at a time.
public final class ChatRelay: Sendable {
    public struct Config: Sendable {
        /// How long an agent has to answer `agent.chat` (and `agent.chat.approve`):
        /// `CAR_CHAT_ACK_TIMEOUT`, 10 s.
        public var ackTimeout: Duration = .seconds(10)
        /// A turn with no agent event for this long ends with an error to its host:
        /// `CAR_CHAT_SILENCE_TIMEOUT`, 10 minutes.
        public var silenceLimit: Duration = ChatLimits.defaultSilentLimit
        /// `$CAR_HOME/chat-goals.json`; nil keeps standing goals in memory only.
        public var goalsPath: String?

        public init() {}
    }

    /// Why the daemon itself ended a turn, in its terminal error's `delta.reason`.
    enum EndReason: String {
        case agentRefused = "agent_refused"
        case ackTimeout = "ack_timeout"
        case agentDisconnected = "agent_disconnected"
        case agentSilent = "agent_silent"
        /// A host-role session cancelled another host's turn.
        case cancelled
        /// The agent's connection has as many daemon calls waiting as it may: the turn was never sent.
        case agentBusy = "agent_busy"
    }

    public let config: Config
    public let sessions: ChatSessions
    public let goals: GoalStore
    /// Turns the daemon itself opened for A2A conversation (`a2a.start {share_session_runtime}`):
    /// their events are answers for a peer, not a host's.
    public let a2aConversations = A2ASessionConversation()
    private let registry: SessionRegistry
    private let pool: BlockingPool
    /// A goals write is queued on the pool and has not yet taken its snapshot.
    private let persistQueued = Atomic<Bool>(false)
    private let warn = Mutex<@Sendable (String) -> Void>({ _ in })
    /// Where the relay's own tasks run (the ack waits, the cancels): the daemon's event loop,
    /// so a busy cooperative pool never delays sending a turn to its agent.
    private let executor = Mutex<(any TaskExecutor)?>(nil)
    /// The daemon is stopping: the agents it stops end their turns, which says nothing about
    /// the goals, so those endings leave standing goals as they are.
    private let stopping = Atomic<Bool>(false)

    init(config: Config, sessions registry: SessionRegistry, pool: BlockingPool) {
        self.config = config
        self.sessions = ChatSessions()
        self.goals = GoalStore(path: config.goalsPath)
        self.registry = registry
        self.pool = pool
    }

    /// Where problems no caller hears about go (a failed goals write): the daemon's log.
    public func onWarning(_ body: @escaping @Sendable (String) -> Void) {
        warn.withLock { $0 = body }
    }

    /// Runs the relay's tasks on `executor` (the daemon's loop) rather than the global pool.
    public func runTasks(on executor: any TaskExecutor) {
        self.executor.withLock { $0 = executor }
    }

    private func task(_ body: sending @escaping @isolated(any) () async -> Void) {
        Task(executorPreference: executor.withLock { $0 }, operation: body)
    }

    /// Reads the goals file. Blocking: call it before serving, off the loop.
    public func loadGoals() -> GoalStore.LoadReport { goals.load() }

    // MARK: Turns

    /// Opens the turn for `host` and sends `agent.chat` on `agentClientID`'s connection; the
    /// ack is awaited in the background (bounded), so the host's answer never waits for the
    /// agent. A turn the same host had open under this session id is cancelled at its agent.
    func open(_ request: ChatRequest, host: ClientSession, agentClientID: String) throws -> String {
        guard let agent = registry.session(agentClientID), !agent.isClosed else {
            throw CarErrors.internalError("agent '\(request.agentID)' is not attached: it is in the manifest but no connection has authenticated as it")
        }
        let (turn, replaced) = try Self.mapped { () throws(ChatError) in
            try sessions.openTurn(sessionID: request.sessionID, agentID: request.agentID,
                                  hostClientID: host.clientID, agentClientID: agentClientID)
        }
        // The host went while this request waited to run (its cleanup has run already, so the
        // turn would live until the sweeper): take it back. Both run on the loop.
        guard registry.session(host.clientID) === host else {
            sessions.end(sessionID: turn.sessionID, turn: turn.turn)
            if let replaced { cancelAtAgent(replaced) }
            throw CarErrors.internalError("the connection closed before the turn could start")
        }
        // Tasks on the loop run in the order they are made, so the agent is told to drop the
        // old turn before it hears of the new one, and hears of a turn before any cancel of it.
        if let replaced { cancelAtAgent(replaced) }
        // A standing goal rides along unless the turn has its own, or images (the two exclude
        // each other in one turn).
        let goal = request.goal ?? (request.attachments == nil ? goals.status(sessionID: request.sessionID)?.goal : nil)
        let params = CarMethods.AgentChat.Params(
            attachments: request.attachments?.map(\.json), goal: goal?.json, model: request.model,
            prompt: request.prompt, sessionId: request.sessionID)
        let proxy = CarClientProxy(peer: agent.peer)
        let timeout = config.ackTimeout
        task { [self] in
            do {
                let ack = try await proxy.agentChat(params, id: proxy.nextCallID(), timeout: timeout)
                if !ack.accepted { end(turn, .agentRefused, "agent '\(turn.agentID)' refused the turn (accepted: false)") }
            } catch let error as RPCError {
                end(turn, .agentRefused, "agent '\(turn.agentID)' refused the turn: \(error.message)")
            } catch PeerError.timedOut {
                end(turn, .ackTimeout, "agent '\(turn.agentID)' did not accept the turn within \(Self.seconds(timeout)) s")
            } catch PeerError.malformedReply(_, let detail) {
                end(turn, .agentRefused, "agent '\(turn.agentID)' answered agent.chat with something other than {accepted: true}: \(detail)")
            } catch PeerError.tooManyPending(_, let limit) {
                end(turn, .agentBusy, "agent '\(turn.agentID)' has \(limit) calls from the daemon waiting unanswered; the turn was not sent")
            } catch {
                end(turn, .agentDisconnected, "agent '\(turn.agentID)' went away before accepting the turn")
            }
        }
        return request.sessionID
    }

    /// One `agent.chat.event` from connection `sender`: to the turn's host, or dropped and
    /// counted. Runs on the loop as the frame is read, so one agent's events keep their order.
    func relay(from sender: String, sessionID: String, kind: String, delta: JSONValue?) {
        if a2aConversations.take(from: sender, sessionID: sessionID, kind: kind, delta: delta) { return }
        guard case .deliver(let hostID, let agentID, let eventKind, _) = sessions.admit(from: sender, sessionID: sessionID, kind: kind) else { return }
        if let host = registry.session(hostID) {
            CarClientProxy(peer: host.peer).agentsChatEvent(.init(agentId: agentID, delta: delta, kind: eventKind.rawValue, sessionId: sessionID))
        }
        noteGoal(sessionID, eventKind, delta)
    }

    /// `agents.chat.cancel`: ends the turn now (later events drop) and tells the agent.
    func cancel(sessionID: String, by caller: ClientSession) throws -> Bool {
        do {
            let session = try sessions.cancel(sessionID: sessionID, by: caller.clientID, callerIsHostRole: caller.isHostRole)
            cancelAtAgent(session)
            // Someone else ended the turn: its host must not wait for events that never come.
            if session.hostClientID != caller.clientID {
                tellHost(session, .cancelled, "the turn was cancelled by a host-management session", updatesGoal: false)
            }
            return true
        } catch where error.kind == .notFound {
            return false
        } catch {
            throw Self.rpcError(error)
        }
    }

    /// `agents.chat.approve`: asks the agent to resolve its parked approval and answers what it
    /// said. The turn stays open.
    func approve(sessionID: String, approvalID: String, decision: JSONValue?, by caller: ClientSession) async throws -> Bool {
        let session = try Self.mapped { () throws(ChatError) in
            try sessions.approvalAllowed(sessionID: sessionID, caller: caller.clientID, callerIsHostRole: caller.isHostRole)
        }
        guard let agent = registry.session(session.agentClientID) else {
            throw CarErrors.internalError("agent '\(session.agentID)' is no longer connected")
        }
        // A person answered: the wait was theirs, and the agent's silence clock starts now.
        sessions.touch(sessionID: session.sessionID, turn: session.turn)
        let proxy = CarClientProxy(peer: agent.peer)
        let params = CarMethods.AgentChatApprove.Params(approvalId: approvalID, decision: decision ?? .bool(false), sessionId: sessionID)
        do {
            return try await proxy.agentChatApprove(params, id: proxy.nextCallID(), timeout: config.ackTimeout).resolved
        } catch let error as RPCError {
            throw CarErrors.internalError("agent '\(session.agentID)' answered agent.chat.approve with error \(error.code): \(error.message)")
        } catch PeerError.timedOut {
            throw CarErrors.internalError("agent '\(session.agentID)' did not answer agent.chat.approve within \(Self.seconds(config.ackTimeout)) s")
        } catch PeerError.malformedReply(_, let detail) {
            throw CarErrors.internalError("agent '\(session.agentID)' answered agent.chat.approve without a boolean resolved: \(detail)")
        } catch PeerError.channelClosed {
            throw CarErrors.internalError("agent '\(session.agentID)' went away before answering agent.chat.approve")
        } catch PeerError.tooManyPending(_, let limit) {
            throw CarErrors.internalError("agent '\(session.agentID)' has \(limit) calls from the daemon waiting unanswered; the approval was not sent")
        }
    }

    // MARK: Ends without an agent event

    /// A connection went: the turns it hosted are cancelled at their agents, and the turns it
    /// ran as an agent end with an error to their hosts.
    func connectionClosed(_ clientID: String) {
        a2aConversations.connectionClosed(clientID)
        for session in sessions.hostClosed(clientID) { cancelAtAgent(session) }
        for session in sessions.agentClosed(clientID) {
            tellHost(session, .agentDisconnected, "agent '\(session.agentID)' disconnected during the turn")
        }
    }

    /// Ends every turn silent for longer than the limit: its host gets an error and its agent
    /// `agent.chat.cancel`. The daemon calls this on a timer.
    public func sweep() {
        for session in sessions.expired(silentLimit: config.silenceLimit) {
            tellHost(session, .agentSilent, "agent '\(session.agentID)' sent nothing for \(Self.seconds(config.silenceLimit)) s; the turn is ended")
            cancelAtAgent(session)
        }
    }

    /// How often `sweep` should run: often enough that a turn ends within a quarter of the
    /// limit past it, never more than every 30 s, never less than every 100 ms.
    public var sweepInterval: Duration {
        min(max(config.silenceLimit / 4, .milliseconds(100)), .seconds(30))
    }

    /// Ends `turn` (if it is still that turn) with an error to its host.
    private func end(_ turn: ChatSession, _ reason: EndReason, _ message: String) {
        guard let session = sessions.end(sessionID: turn.sessionID, turn: turn.turn) else { return }
        tellHost(session, reason, message)
        if reason == .ackTimeout { cancelAtAgent(session) }
    }

    /// A terminal error from the daemon to the turn's host; unless the daemon is stopping, it
    /// counts against the session's standing goal as the agent's own error would.
    private func tellHost(_ session: ChatSession, _ reason: EndReason, _ message: String, updatesGoal: Bool = true) {
        let delta: JSONValue = .object(["message": .string(message), "reason": .string(reason.rawValue)])
        if let host = registry.session(session.hostClientID) {
            CarClientProxy(peer: host.peer).agentsChatEvent(
                .init(agentId: session.agentID, delta: delta, kind: ChatEventKind.error.rawValue, sessionId: session.sessionID))
        }
        if updatesGoal && !stopping.load(ordering: .acquiring) { noteGoal(session.sessionID, .error, delta) }
    }

    /// The daemon is about to stop its agents: from now on the turns they leave do not fail
    /// their goals (a `running` goal then reloads as `active`).
    public func daemonStopping() {
        stopping.store(true, ordering: .releasing)
    }

    /// Writes the goals' last changes now (shutdown). Blocking.
    public func flushGoals() {
        do {
            try goals.persist()
        } catch {
            warn.withLock { $0 }("standing goals were not saved: \(error)")
        }
    }

    /// Best effort: the answer (often -32601 from an agent with no handler) is not awaited
    /// past the ack timeout and changes nothing.
    private func cancelAtAgent(_ session: ChatSession) {
        guard let agent = registry.session(session.agentClientID) else { return }
        let proxy = CarClientProxy(peer: agent.peer)
        let timeout = config.ackTimeout
        task { _ = try? await proxy.agentChatCancel(.init(sessionId: session.sessionID), id: proxy.nextCallID(), timeout: timeout) }
    }

    // MARK: Standing goals

    /// The event's effect on the session's standing goal: in memory now, on disk soon.
    private func noteGoal(_ sessionID: String, _ kind: ChatEventKind, _ delta: JSONValue?) {
        guard kind == .goalEvaluated || kind.isTerminal,
              goals.applyInMemory(sessionID: sessionID, kind: kind, delta: delta) != nil else { return }
        schedulePersist()
    }

    /// One queued write covers every change made before it takes its snapshot.
    private func schedulePersist() {
        guard goals.path != nil, !persistQueued.exchange(true, ordering: .acquiringAndReleasing) else { return }
        task { [self] in
            do {
                try await pool.run { [self] in
                    persistQueued.store(false, ordering: .releasing)
                    try goals.persist()
                }
            } catch {
                persistQueued.store(false, ordering: .releasing)
                warn.withLock { $0 }("standing goals were not saved: \(error)")
            }
        }
    }

    /// Who may set or clear standing goals: hosts, never a supervised agent. A goal's check is a
    /// command the agent of that session's next turn runs, so one agent must not be able to
    /// plant one in another host's turn (or take a host's away).
    func mayChangeGoals(_ caller: ClientSession) throws {
        if case .agent(let id) = caller.gate.snapshot.role {
            throw CarErrors.forbidden("standing goals are set by hosts; this connection is agent '\(id)'")
        }
    }

    /// Runs a blocking goals change on the pool (`goal.set` / `goal.clear`).
    func onPool<T: Sendable>(_ body: @escaping @Sendable (GoalStore) throws(ChatError) -> T) async throws -> T {
        let goals = self.goals
        do {
            return try await pool.run { () throws -> T in try body(goals) }
        } catch let error as ChatError {
            throw Self.rpcError(error)
        }
    }

    // MARK: Errors

    static func mapped<T>(_ body: () throws(ChatError) -> T) throws -> T {
        do { return try body() } catch { throw rpcError(error) }
    }

    static func rpcError(_ error: ChatError) -> RPCError {
        switch error.kind {
        case .invalid, .notFound: CarErrors.invalidParams(error.message)
        case .conflict, .forbidden: CarErrors.forbidden(error.message)
        case .capacity, .storage: CarErrors.internalError(error.message)
        }
    }

    static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
    }
}

extension ClientSession {
    /// Whether this connection earned the host role (`session.auth {host_token}`).
    var isHostRole: Bool { gate.snapshot.role == .host }
}
