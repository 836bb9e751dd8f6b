import CarA2A
import CarA2UI
import CarEngine
import CarGenerated
import CarHost
import CarMemory
import CarMessaging
import CarRPC
import CarSupervisor
import Glibc
import Synchronization

/// What an embedder or the CLI decides about the daemon's shared state. Mirrors the seed's
/// `ServerStateConfig`: later subsystems (memory, approvals, supervisor) add their knobs here.
public struct ServerStateConfig: Sendable {
    /// The per-launch token; nil disables auth (`--no-auth`): the connection is the authority.
    public var authToken: String?
    /// The host-management token; nil means no connection can earn the host role.
    public var hostToken: String?
    /// Where per-session event journals go (`<journal-dir>/<client_id>.jsonl`); nil keeps
    /// event logs in memory only (embedders, tests).
    public var journalDirectory: String?
    /// The daemon-wide cap on that folder (`CAR_JOURNAL_MAX_FILES`, `CAR_JOURNAL_MAX_BYTES`).
    public var journalLimits = JournalLimits()
    /// How long a `tools.execute` callback may take when its action declares no
    /// `timeout_ms` (`CAR_TOOL_TIMEOUT`, 300 s by default).
    public var toolTimeout: Duration
    /// Added to an action's own `timeout_ms` before the daemon gives up on the callback, so
    /// a tool that finishes right at its budget is not cut off by scheduling jitter.
    public var callbackGrace: Duration
    /// The approval gate for high-risk methods (the seed's `ApprovalGate`).
    public var approvalGate = ApprovalGateConfig()
    /// Inference admission permits; nil sizes them from RAM (one per 8 GiB, 1...8).
    public var inferencePermits: Int?
    /// `CAR_INFERENCE_MAX_CONCURRENT` as given, reported by `admission.status`.
    public var inferencePermitsOverride: String?
    /// How long any handler may run before its caller gets -32004 (`CAR_HANDLER_TIMEOUT`,
    /// 30 minutes by default); a method's own `deadlineMs` in the spec wins.
    public var handlerTimeout: Duration = .seconds(1800)
    /// How long a connection may stay unauthenticated (`CAR_AUTH_TIMEOUT`, 10 s); auth off
    /// makes every connection authenticated at once.
    public var authTimeout: Duration = .seconds(10)
    /// Largest message accepted before auth: a `session.auth` is tiny, so an unauthenticated
    /// peer cannot make the daemon buffer megabytes.
    public var preAuthMessageBytes = 64 << 10

    /// `<state root>/memory`: where persist/load are sandboxed and namespace graphs live; nil
    /// disables both.
    public var memoryRoot: String?
    /// Which graph a session bound to neither a memory namespace nor an agent uses. The default
    /// is the CLI's: one shared graph (a fresh, empty engine per config) for every unbound
    /// WebSocket connection and MCP session, as the protocol's scope table has it. An embedder
    /// that holds a graph of its own passes `.shared(thatEngine)`, so its clients and the
    /// embedder work on one graph, not two; `.perConnection` is the seed's standalone mode
    /// (`--standalone-memory`). Bound sessions use their namespace's or agent's graph either way.
    public var memoryMode: MemoryMode
    /// `<state root>/messaging.json`, the approval-transport configuration; nil keeps it in
    /// memory only.
    public var messagingConfigPath: String?
    /// What this platform can do for messaging channels; an embedder on another platform
    /// passes its own.
    public var messagingTransport: any MessagingTransport = UnavailableMessagingTransport()
    /// Chat routing: its timeouts and the standing goals' file.
    public var chat = ChatRelay.Config()
    /// Bounds on A2UI surfaces (`CAR_A2UI_TTL` sets the surface TTL).
    public var a2uiLimits = A2UILimits()
    /// A2A: the embedder's runtime, store and card source, the card's defaults, the peers' file.
    public var a2a = A2AConfig()

    public init(authToken: String?, hostToken: String?, journalDirectory: String?,
                toolTimeout: Duration = .seconds(300), callbackGrace: Duration = .milliseconds(500),
                memoryRoot: String? = nil, memoryMode: MemoryMode = .shared(MemoryEngine())) {
        self.memoryRoot = memoryRoot
        self.memoryMode = memoryMode
        self.authToken = authToken
        self.hostToken = hostToken
        self.journalDirectory = journalDirectory
        self.toolTimeout = toolTimeout
        self.callbackGrace = callbackGrace
    }
}

/// State shared by every connection: configuration and the registry of live sessions.
/// Sessions are registered on connect and removed on disconnect, so nothing outlives its
/// connection.
public final class ServerState: Sendable {
    public let config: ServerStateConfig
    public let memoryScopes: MemoryScopes
    /// Agents, devices, approvals and events host apps see (`host.*`).
    public let host = HostState()
    public let admission: InferenceAdmission
    /// The approval-transport configuration (`messaging.*`).
    public let messaging: MessagingConfigStore
    /// The journals folder: live journals and the cap on closed ones; nil without a directory.
    public let journals: JournalFolder?
    /// Which connection each supervised agent is attached through.
    public let attachments = AgentAttachments()
    /// Chat turns between host connections and supervised agents (`agents.chat`, `goal.*`).
    public let chat: ChatRelay
    /// A2UI surfaces, their subscribers and the UI-improvement loop (`a2ui.*`).
    public let a2ui: A2UIHub
    /// The A2A dispatcher, the listener a2a.start runs, the outbound client and the peers.
    public let a2a: A2AHub
    private let installedSupervisor = Mutex<Supervisor?>(nil)
    private let installedMCP = Mutex<(url: String, sessions: any MCPSessionRegistry)?>(nil)
    private let sessions = SessionRegistry()
    /// Connections that called `host.subscribe`; each gets every host event.
    private let subscribers = Mutex<[String: ClientSession]>([:])

    public init(config: ServerStateConfig) {
        self.config = config
        self.memoryScopes = MemoryScopes(root: config.memoryRoot, mode: config.memoryMode)
        self.journals = config.journalDirectory.map { JournalFolder(directory: $0, limits: config.journalLimits) }
        self.messaging = MessagingConfigStore(path: config.messagingConfigPath, transport: config.messagingTransport)
        self.admission = InferenceAdmission(permits: config.inferencePermits ?? InferenceAdmission.permits(physicalMemoryBytes: Self.physicalMemory()),
                                            envOverride: config.inferencePermitsOverride != nil)
        self.chat = ChatRelay(config: config.chat, sessions: sessions, pool: memoryScopes.pool)
        let outcomes: MemoryEngine
        if case .shared(let engine) = config.memoryMode { outcomes = engine } else { outcomes = MemoryEngine() }
        self.a2ui = A2UIHub(host: host, memory: outcomes, limits: config.a2uiLimits)
        self.a2a = A2AHub(config: config.a2a, approvals: HostApprovalGate(host: host, config: config.approvalGate),
                          toolTimeout: config.toolTimeout, grace: config.callbackGrace, conversation: chat.a2aConversations,
                          requiresBearer: config.authToken != nil)
        host.onEvent { [weak self] event in self?.broadcast(event) }
    }

    /// The agent supervisor (the seed's `supervisor`), installed once by whoever starts the
    /// daemon: it needs the event loop to notice child exits. nil until then, or in an
    /// embedder that supervises nothing.
    public var supervisor: Supervisor? { installedSupervisor.withLock { $0 } }

    /// Answers false when one was installed already.
    @discardableResult
    public func installSupervisor(_ supervisor: Supervisor) -> Bool {
        installedSupervisor.withLock { installed in
            guard installed == nil else { return false }
            installed = supervisor
            return true
        }
    }

    /// The bound MCP endpoint's URL (`http://127.0.0.1:9102/mcp`); nil while none serves
    /// (`--mcp-bind disabled`, or before the listener is up).
    public var mcpURL: String? { installedMCP.withLock { $0?.url } }

    /// The MCP sessions, for pushing server-initiated messages to one.
    public var mcpSessions: (any MCPSessionRegistry)? { installedMCP.withLock { $0?.sessions } }

    /// Installs the MCP endpoint once its listener is up (the seed's `install_mcp_url` and
    /// `install_mcp_sessions`, together); answers false when one was installed already.
    @discardableResult
    public func installMCP(url: String, sessions: any MCPSessionRegistry) -> Bool {
        installedMCP.withLock { installed in
            guard installed == nil else { return false }
            installed = (url, sessions)
            return true
        }
    }

    /// A supervisor event, as host apps see it (`agent.started`, `agent.exited`).
    public func agentEvent(_ event: AgentEvent) {
        switch event {
        case .started(let id, let pid):
            host.recordDaemonEvent(kind: "agent.started", agentID: id, message: "started (pid \(pid))", payload: ["pid": .int(Int64(pid))])
        case .exited(let id, let pid, let code, let signal):
            var payload: [String: JSONValue] = ["pid": .int(Int64(pid))]
            payload["exit_code"] = code.map { .int(Int64($0)) } ?? .null
            payload["signal"] = signal.map { .int(Int64($0)) } ?? .null
            let how = code.map { "exit code \($0)" } ?? signal.map { "signal \($0)" } ?? "unknown status"
            host.recordDaemonEvent(kind: "agent.exited", agentID: id, message: "exited (\(how))", payload: .object(payload))
        }
    }

    /// Attaches a connection as a supervised agent (`session.auth {agent_id}`); refused when
    /// another connection is attached as it.
    func attach(agentID: String, session: ClientSession) throws(AgentAttachments.Taken) {
        try attachments.claim(agentID: agentID, clientID: session.clientID)
        host.recordDaemonEvent(kind: "agent.attached", agentID: agentID, message: "attached", payload: ["session_id": .string(session.clientID)])
    }

    /// Ends a connection's attachment, if it had one.
    func detach(clientID: String) {
        guard let agentID = attachments.release(clientID: clientID) else { return }
        host.recordDaemonEvent(kind: "agent.detached", agentID: agentID, message: "detached", payload: ["session_id": .string(clientID)])
    }

    /// Registers the session for `host.event` notifications until it disconnects.
    func subscribeToHostEvents(_ session: ClientSession) {
        subscribers.withLock { $0[session.clientID] = session }
    }

    /// Fans an event out to every subscriber. A subscriber that stops reading cannot slow
    /// the others or grow memory: each connection's outbound queue is bounded and the
    /// transport disconnects it when full.
    private func broadcast(_ event: HostEvent) {
        let targets = subscribers.withLock { Array($0.values) }
        guard !targets.isEmpty else { return }
        CarClientProxy.hostEvent(event.json, to: targets.map(\.peer))
    }

    private static func physicalMemory() -> UInt64 {
        UInt64(sysconf(Int32(_SC_PHYS_PAGES))) &* UInt64(sysconf(Int32(_SC_PAGESIZE)))
    }

    public var authEnabled: Bool { config.authToken != nil }

    public func createSession(clientID: String, peer: any RPCPeer) -> ClientSession {
        let session = ClientSession(clientID: clientID, gate: SessionGate(authEnabled: authEnabled, hostRoleEnforced: config.hostToken != nil), peer: peer,
                                    journals: journals, memoryScopes: memoryScopes)
        sessions.insert(session)
        return session
    }

    @discardableResult
    public func removeSession(clientID: String) -> ClientSession? {
        let session = sessions.remove(clientID)
        subscribers.withLock { _ = $0.removeValue(forKey: clientID) }
        a2ui.unsubscribe(clientID: clientID)
        if session != nil { host.sessionClosed(clientID) }
        detach(clientID: clientID)
        // After the session left the registry, so nothing more is relayed to it.
        chat.connectionClosed(clientID)
        a2a.connectionClosed(clientID)
        session?.close()
        return session
    }

    public func session(clientID: String) -> ClientSession? {
        sessions.session(clientID)
    }

    public var sessionCount: Int { sessions.count }

    public var sessionIDs: [String] { sessions.clientIDs }
}
