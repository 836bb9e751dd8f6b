import Synchronization

/// The live sessions by client id (the seed's `sessions`): registered on connect, removed on
/// disconnect. Shared by `ServerState` and the subsystems that reach a connection by id (the
/// chat relay sends to a host or an agent that way), so nothing holds a closed connection.
public final class SessionRegistry: Sendable {
    private let sessions = Mutex<[String: ClientSession]>([:])

    public init() {}

    func insert(_ session: ClientSession) {
        sessions.withLock { $0[session.clientID] = session }
    }

    func remove(_ clientID: String) -> ClientSession? {
        sessions.withLock { $0.removeValue(forKey: clientID) }
    }

    public func session(_ clientID: String) -> ClientSession? {
        sessions.withLock { $0[clientID] }
    }

    public var count: Int { sessions.withLock { $0.count } }

    public var clientIDs: [String] { sessions.withLock { Array($0.keys) } }
}
