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
    /// False when no host token is configured (pure-dev or an embedder that mints none):
    /// then no connection could ever earn the host role, so, as in the protocol document,
    /// host-only methods fall back to the session requirement instead of being unreachable.
    public let hostRoleEnforced: Bool
    private let state: Mutex<Snapshot>

    public init(authEnabled: Bool, hostRoleEnforced: Bool = true) {
        self.authEnabled = authEnabled
        self.hostRoleEnforced = authEnabled && hostRoleEnforced
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
            if role == .host || !hostRoleEnforced { return nil }
            // The reference daemon refuses host-only calls with a generic -32603; the message
            // names the credential that would have worked.
            return (RPCError(code: RPCErrorCode.hostRoleRequired,
                             message: "host role required: '\(method)' is host-management only; authenticate with session.auth {host_token} (the plain auth token never grants it)"), false)
        case .agent:
            if case .agent = role { return nil }
            return (RPCError(code: RPCErrorCode.forbidden,
                             message: "forbidden: '\(method)' requires a connection bound to an agent (session.auth with agent_id)"), false)
        }
    }
}
