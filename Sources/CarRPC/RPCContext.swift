/// A connection-level session as the dispatcher sees it: the gate it enforces and the peer
/// handlers call back into. The handlers' own session type adds the domain state.
public protocol RPCSession: AnyObject, Sendable {
    /// Unique per connection for the daemon's lifetime; names the session in logs, journals
    /// and approvals.
    var clientID: String { get }
    var gate: SessionGate { get }
    var peer: any RPCPeer { get }
}

/// What a handler knows about the call it is serving.
public struct RPCContext<Session: RPCSession>: Sendable {
    /// nil for notifications.
    public let requestID: RPCID?
    public let method: String
    public let session: Session

    public init(requestID: RPCID?, method: String, session: Session) {
        self.requestID = requestID
        self.method = method
        self.session = session
    }
}
