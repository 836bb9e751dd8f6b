import Synchronization

/// The role a connection earned at `session.auth`.
public enum SessionRole: Sendable, Hashable {
    case unauthenticated
    case session
    case host
    case agent(id: String)

    public var wireName: String? {
        switch self {
        case .unauthenticated: nil
        case .session: "session"
        case .host: "host"
        case .agent: "agent"
        }
    }
}

/// The per-connection facts the dispatcher enforces before a handler runs: who the peer
/// is and which protocol version it negotiated. Handlers that establish those facts
/// (`session.auth`, `server.handshake`) write them here; nothing else reads them directly.
public final class SessionGate: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var role: SessionRole
        public var protocolVersion: Int?
    }

    /// False when the daemon runs with `--no-auth`: the connection itself is the authority.
    public let authEnabled: Bool
    private let state: Mutex<Snapshot>

    public init(authEnabled: Bool) {
        self.authEnabled = authEnabled
        self.state = Mutex(Snapshot(role: .unauthenticated, protocolVersion: nil))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    public var isAuthenticated: Bool { !authEnabled || snapshot.role != .unauthenticated }

    public func authenticate(as role: SessionRole) {
        state.withLock { $0.role = role }
    }

    public func negotiate(protocolVersion: Int) {
        state.withLock { $0.protocolVersion = protocolVersion }
    }

    /// nil when the requirement is met, else the error to answer with and whether the
    /// connection must close (an unauthenticated peer is disconnected, as the protocol says).
    func check(_ requirement: AuthRequirement, method: String) -> (RPCError, close: Bool)? {
        if requirement == .none || !authEnabled { return nil }
        let role = snapshot.role
        if role == .unauthenticated {
            return (RPCError(code: RPCErrorCode.authRequired,
                             message: "auth required: call session.auth with the daemon token before '\(method)'"), true)
        }
        switch requirement {
        case .none, .session:
            return nil
        case .host:
            if role == .host { return nil }
            return (RPCError(code: RPCErrorCode.forbidden,
                             message: "forbidden: '\(method)' requires the host role (session.auth with host_token)"), false)
        case .agent:
            if case .agent = role { return nil }
            return (RPCError(code: RPCErrorCode.forbidden,
                             message: "forbidden: '\(method)' requires a connection bound to an agent (session.auth with agent_id)"), false)
        }
    }
}
