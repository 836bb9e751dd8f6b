import CarEngine
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

    struct Binding {
        var clientVersion: String?
    }

    private struct Domain {
        var runtime: Runtime?
        /// This connection's own graph, made on first use when nothing shared or bound applies.
        var memory: MemoryEngine?
        /// Set by `session.auth {memory_namespace}`: the daemon-owned graph of that namespace.
        var namespace: (name: String, engine: MemoryEngine)?
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

    /// The memory engine this connection reads and writes (the seed's `effective_memgine`):
    /// the bound namespace's graph, else the daemon's shared one, else the connection's own.
    /// Every memory handler goes through here, so bindings plug in at one place.
    public func effectiveMemory() -> MemoryEngine {
        domain.withLock { domain in
            if let bound = domain.namespace { return bound.engine }
            if let shared = memoryScopes.shared { return shared }
            if let memory = domain.memory { return memory }
            let memory = MemoryEngine()
            domain.memory = memory
            return memory
        }
    }

    /// Runs a write against the effective memory; a namespace-bound graph is persisted before
    /// this returns, so the reply to a write means the write is on disk.
    public func writeMemory<T>(_ body: (MemoryEngine) throws -> T) throws -> T {
        let engine = effectiveMemory()
        let result = try body(engine)
        if let bound = domain.withLock({ $0.namespace }) {
            try memoryScopes.persist(namespace: bound.name, engine: bound.engine)
        }
        return result
    }

    /// The persist/load sandbox under the daemon's memory root.
    public func memorySandbox() throws -> MemorySandbox {
        try memoryScopes.sandbox()
    }

    /// Binds this connection to a daemon-owned namespace graph (`session.auth`).
    func bindMemoryNamespace(_ name: String) throws {
        let engine = try memoryScopes.engine(forNamespace: name)
        domain.withLock { $0.namespace = (name, engine) }
    }

    /// The namespace this connection's memory is bound to, if any.
    public var boundMemoryNamespace: String? { domain.withLock { $0.namespace?.name } }

    /// The connection is gone: the journal is closed so its descriptor is not held (on the
    /// blocking pool, after which the folder's cap may count it as closed).
    public func close() {
        let runtime = domain.withLock { domain in
            domain.closed = true
            return domain.runtime
        }
        runtime?.eventLog.close()
    }
}
