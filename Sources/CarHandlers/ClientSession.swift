import CarRPC
import Synchronization

/// One connection's session, as in the seed's `ClientSession`: its id, the gate the
/// dispatcher enforces, the way back to the client, and the domain state handlers keep.
public final class ClientSession: RPCSession {
    public let clientID: String
    public let gate: SessionGate
    public let peer: any RPCPeer
    private let binding = Mutex<Binding>(Binding())

    struct Binding {
        var memoryNamespace: String?
        var clientVersion: String?
    }

    init(clientID: String, gate: SessionGate, peer: any RPCPeer) {
        self.clientID = clientID
        self.gate = gate
        self.peer = peer
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
}
