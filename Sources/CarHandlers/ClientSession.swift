import CarEngine
import CarIO
import CarMemory
import CarRPC
import Synchronization

/// One connection's session, as in the seed's `ClientSession`: its id, the gate the
/// dispatcher enforces, the way back to the client, and the domain state handlers keep.
/// The runtime and memory are created on first use, so a connection that only pings costs
/// no engine; the journal file waits for the first event, so one that never journals (a
/// `state.set`) costs no file either.
public final class ClientSession: RPCSession {
    public let clientID: String
    public let gate: SessionGate
    public let peer: any RPCPeer
    private let journals: JournalFolder?
    private let memoryScopes: MemoryScopes
    private let binding = Mutex<Binding>(Binding())
    private let domain = Mutex<Domain>(Domain())
    /// The proactive memory agent's private status slots (`memory.update_status`): session-local
    /// by definition, never part of any graph.
    public let proactiveStatus = Mutex(ProactiveStatusSlots())

    struct Binding {
        var clientVersion: String?
    }

    private struct Domain {
        var runtime: Runtime?
        /// This connection's own graph, made on first use: only in `MemoryMode.perConnection`,
        /// and only while the connection is bound to no namespace or agent.
        var memory: MemoryEngine?
        /// Set by `session.auth {memory_namespace}` (the daemon-owned graph of that namespace)
        /// or by binding an agent's own memory.
        var bound: MemoryScopes.Binding?
        var closed = false
    }

    init(clientID: String, gate: SessionGate, peer: any RPCPeer, journals: JournalFolder?, memoryScopes: MemoryScopes) {
        self.clientID = clientID
        self.gate = gate
        self.peer = peer
        self.journals = journals
        self.memoryScopes = memoryScopes
    }

    /// The client package version given at `server.handshake`, for logs.
    public var clientVersion: String? { binding.withLock { $0.clientVersion } }

    func recordClientVersion(_ version: String?) {
        binding.withLock { $0.clientVersion = version }
    }

    /// This connection's runtime (tools, policies, state, event log), journaled to
    /// `<journal-dir>/<client_id>.jsonl`.
    public func runtime() throws -> Runtime {
        try domain.withLock { domain in
            if let runtime = domain.runtime { return runtime }
            let journal = journals?.journalPath(clientID: clientID)
            let runtime = Runtime(eventLog: try EventLog(journalPath: journal, folder: journals))
            if domain.closed { runtime.eventLog.close() }
            domain.runtime = runtime
            return runtime
        }
    }

    /// The memory engine this connection reads and writes (the seed's `effective_memgine`), by
    /// the protocol's scope table, first match wins:
    /// 1. bound by `session.auth {memory_namespace}`: that namespace's daemon-owned graph (it
    ///    wins over an `agent_id` given with it);
    /// 2. bound by `session.auth {agent_id}`: that agent's daemon-owned graph;
    /// 3. unbound, `MemoryMode.shared` (the default): the daemon's single shared graph, the same
    ///    engine for every unbound WebSocket connection and MCP session;
    /// 4. unbound, `MemoryMode.perConnection` (`--standalone-memory`): this connection's own.
    /// Every memory handler goes through here or `writeMemory`, so what `memory.query` reads,
    /// what `memory.persist` writes out (all of it) and what `memory.load` resets and refills
    /// are always this one graph; nothing is scoped per file or per connection beyond it.
    public func effectiveMemory() -> MemoryEngine {
        domain.withLock { domain in
            if let bound = domain.bound { return bound.engine }
            switch memoryScopes.mode {
            case .shared(let engine):
                return engine
            case .perConnection:
                if let memory = domain.memory { return memory }
                let memory = MemoryEngine()
                domain.memory = memory
                return memory
            }
        }
    }

    /// Which graph `effectiveMemory` answers, named (for logs, status and tests).
    public var memoryScope: MemoryScope {
        domain.withLock { domain in
            switch domain.bound?.graph {
            case .namespace(let name)?: .namespace(name)
            case .agent(let id)?: .agent(id)
            case nil:
                switch memoryScopes.mode {
                case .shared: .daemonShared
                case .perConnection: .connection
                }
            }
        }
    }

    /// The graph a session's memory methods act on, by the scope table.
    public enum MemoryScope: Sendable, Equatable {
        /// A daemon-owned graph bound by `session.auth {memory_namespace}`.
        case namespace(String)
        /// The daemon-owned graph of the agent bound by `session.auth {agent_id}`.
        case agent(String)
        /// Unbound: the daemon's single shared graph (`MemoryMode.shared`).
        case daemonShared
        /// Unbound in the standalone mode: this connection's own graph (`MemoryMode.perConnection`).
        case connection
    }

    /// Runs a write against the effective memory; on a daemon-owned graph (namespace or
    /// agent) the write's change is appended to the graph's log and fsynced (on the blocking
    /// pool) before this returns, so the reply to a write means the write is on disk. The write
    /// holds the graph meanwhile, so it cannot be evicted between change and append. The
    /// shared graph and a connection's own have no log: their writes are in memory only.
    public func writeMemory<T>(_ body: (MemoryEngine) throws -> T) async throws -> T {
        guard let bound = domain.withLock({ $0.bound }) else { return try body(effectiveMemory()) }
        try memoryScopes.retain(bound)
        defer { memoryScopes.release(bound) }
        let result = try body(bound.engine)
        try await memoryScopes.commit(bound, through: bound.log.recordedSeq)
        return result
    }

    /// Like `writeMemory`, but the body itself blocks (it reads a file), so it runs on the pool.
    public func writeMemory<T: Sendable>(offLoop body: @escaping @Sendable (MemoryEngine) throws -> T) async throws -> T {
        guard let bound = domain.withLock({ $0.bound }) else {
            let engine = effectiveMemory()
            return try await blockingPool.run { try body(engine) }
        }
        try memoryScopes.retain(bound)
        defer { memoryScopes.release(bound) }
        let engine = bound.engine
        let result = try await blockingPool.run { try body(engine) }
        try await memoryScopes.commit(bound, through: bound.log.recordedSeq)
        return result
    }

    /// Where this session's blocking file work runs.
    public var blockingPool: BlockingPool { memoryScopes.pool }

    /// The file a `memory.persist` / `memory.load` path names inside the daemon's memory root
    /// (refused with `MemorySandbox.Refusal`); the checks run on the blocking pool.
    public func sandboxedMemoryPath(_ path: String, creatingParents: Bool) async throws -> String {
        try await memoryScopes.sandboxed(path, creatingParents: creatingParents)
    }

    /// Binds this connection to a daemon-owned namespace graph (`session.auth`), giving back
    /// the graph it was bound to before, if any. The name is validated first, so a name whose
    /// log file could not exist binds nothing and loads nothing.
    func bindMemoryNamespace(_ name: String) async throws {
        try NamespaceFileName.validate(name)
        adopt(try await memoryScopes.bind(namespace: name))
    }

    /// Binds this connection's memory to the daemon-owned graph of agent `id`
    /// (`<memory root>/agents/<id>.jsonl`), giving back any graph it was bound to before.
    /// Every memory method then reads and writes that graph, exactly as with a namespace.
    func bindAgentMemory(_ id: String) async throws {
        adopt(try await memoryScopes.bind(agent: id))
    }

    private func adopt(_ binding: MemoryScopes.Binding) {
        let (previous, closed) = domain.withLock { domain in
            guard !domain.closed else { return (MemoryScopes.Binding?.none, true) }
            defer { domain.bound = binding }
            return (domain.bound, false)
        }
        if let previous { memoryScopes.release(previous) }
        // The connection went while the graph loaded: nothing holds it.
        if closed { memoryScopes.release(binding) }
    }

    /// Whether the connection has gone (`close()` ran).
    public var isClosed: Bool { domain.withLock { $0.closed } }

    /// The namespace this connection's memory is bound to, if any.
    public var boundMemoryNamespace: String? { domain.withLock { $0.bound?.namespace } }

    /// The daemon-owned graph this connection's memory is bound to, if any.
    public var boundMemoryGraph: MemoryScopes.Graph? { domain.withLock { $0.bound?.graph } }

    /// The connection is gone: the journal is closed so its descriptor is not held (on the
    /// blocking pool, after which the folder's cap may count it as closed).
    public func close() {
        let (runtime, namespace) = domain.withLock { domain in
            domain.closed = true
            defer { domain.bound = nil }
            return (domain.runtime, domain.bound)
        }
        runtime?.eventLog.close()
        // The graph is written before every write's reply, so giving it up loses nothing.
        if let namespace { memoryScopes.release(namespace) }
    }
}
