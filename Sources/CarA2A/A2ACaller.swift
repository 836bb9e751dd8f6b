/// Who asks the dispatcher for something; every operation names one, and what it may see and
/// run follows from it.
public enum A2ACaller: Sendable, Hashable {
    /// The daemon's own side: a WebSocket session (`session` is its client id, so approvals
    /// know whose work it is and never let it approve its own), or an HTTP request with the
    /// daemon's token (or any, with auth off). Sees every task and runs every tool.
    case daemon(session: String?)
    /// A peer with the token issued for it (`a2a.tokens.issue`): sees only the tasks it
    /// started, and runs only what a runtime offers peers.
    case peer(id: String)

    /// The id tasks this caller starts are kept under; nil for the daemon's side.
    public var peerID: String? {
        if case .peer(let id) = self { return id }
        return nil
    }

    /// Whether `task` is this caller's to see, continue, cancel or follow.
    public func owns(_ task: A2ATask) -> Bool {
        peerID.map { task.owner == $0 } ?? true
    }
}
