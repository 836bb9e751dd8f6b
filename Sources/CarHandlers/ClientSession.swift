import CarEngine
import CarMemory
import CarRPC
import Synchronization

/// One connection's session, as in the seed's `ClientSession`: its id, the gate the
/// dispatcher enforces, the way back to the client, and the domain state handlers keep.
/// The runtime and memory are created on first use, so a connection that only pings costs
/// no journal file and no engine.
public final class ClientSession: RPCSession {
    public let clientID: String
    public let gate: SessionGate
    public let peer: any RPCPeer
    private let journalDirectory: String?
    private let binding = Mutex<Binding>(Binding())
    private let domain = Mutex<Domain>(Domain())

    struct Binding {
        var memoryNamespace: String?
        var clientVersion: String?
    }

    private struct Domain {
        var runtime: Runtime?
        var memory: MemoryEngine?
        var closed = false
    }

    init(clientID: String, gate: SessionGate, peer: any RPCPeer, journalDirectory: String?) {
        self.clientID = clientID
        self.gate = gate
        self.peer = peer
        self.journalDirectory = journalDirectory
    }

    /// The memory namespace requested at `session.auth` (the memory engine binds it).
    public var memoryNamespace: String? { binding.withLock { $0.memoryNamespace } }

    /// The client package version given at `server.handshake`, for logs.
    public var clientVersion: String? { binding.withLock { $0.clientVersion } }

    func requestMemoryNamespace(_ namespace: String?) {
        binding.withLock { $0.memoryNamespace = namespace }
    }

    func recordClientVersion(_ version: String?) {
        binding.withLock { $0.clientVersion = version }
    }

    /// This connection's runtime (tools, policies, state, event log), journaled to
    /// `<journal-dir>/<client_id>.jsonl`.
    public func runtime() throws -> Runtime {
        try domain.withLock { domain in
            if let runtime = domain.runtime { return runtime }
            let journal = journalDirectory.map { EventLog.journalPath(directory: $0, clientID: clientID) }
            let runtime = Runtime(eventLog: try EventLog(journalPath: journal))
            if domain.closed { runtime.eventLog.close() }
            domain.runtime = runtime
            return runtime
        }
    }

    /// The memory engine this connection reads and writes (the seed's `effective_memgine`):
    /// every memory handler goes through here, so bindings (shared, namespace, agent) plug in
    /// at one place.
    public func effectiveMemory() -> MemoryEngine {
        domain.withLock { domain in
            if let memory = domain.memory { return memory }
            let memory = MemoryEngine()
            domain.memory = memory
            return memory
        }
    }

    /// The connection is gone: the journal is closed so its descriptor is not held.
    public func close() {
        let runtime = domain.withLock { domain in
            domain.closed = true
            return domain.runtime
        }
        runtime?.eventLog.close()
    }
}
