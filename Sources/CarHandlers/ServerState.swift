import CarRPC
import Synchronization

/// What an embedder or the CLI decides about the daemon's shared state. Mirrors the seed's
/// `ServerStateConfig`: later subsystems (memory, approvals, supervisor) add their knobs here.
public struct ServerStateConfig: Sendable {
    /// The per-launch token; nil disables auth (`--no-auth`): the connection is the authority.
    public var authToken: String?
    /// The host-management token; nil means no connection can earn the host role.
    public var hostToken: String?
    /// Where per-session event journals go (`<journal-dir>/<client_id>.jsonl`).
    public var journalDirectory: String

    public init(authToken: String?, hostToken: String?, journalDirectory: String) {
        self.authToken = authToken
        self.hostToken = hostToken
        self.journalDirectory = journalDirectory
    }
}

/// State shared by every connection: configuration and the registry of live sessions.
/// Sessions are registered on connect and removed on disconnect, so nothing outlives its
/// connection.
public final class ServerState: Sendable {
    public let config: ServerStateConfig
    private let sessions = Mutex<[String: ClientSession]>([:])

    public init(config: ServerStateConfig) {
        self.config = config
    }

    public var authEnabled: Bool { config.authToken != nil }

    public func createSession(clientID: String, peer: any RPCPeer) -> ClientSession {
        let session = ClientSession(clientID: clientID, gate: SessionGate(authEnabled: authEnabled), peer: peer)
        sessions.withLock { $0[clientID] = session }
        return session
    }

    @discardableResult
    public func removeSession(clientID: String) -> ClientSession? {
        sessions.withLock { $0.removeValue(forKey: clientID) }
    }

    public func session(clientID: String) -> ClientSession? {
        sessions.withLock { $0[clientID] }
    }

    public var sessionCount: Int { sessions.withLock { $0.count } }

    public var sessionIDs: [String] { sessions.withLock { Array($0.keys) } }
}
