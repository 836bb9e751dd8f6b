import CarA2A

/// How the handler layer gets an A2A HTTP listener without knowing sockets: the transport
/// installs a launcher (`ServerState.a2a.install(launcher:)`), and `a2a.start` asks it for a
/// listener serving whatever dispatcher the hub hands it.
public protocol A2AListenerLauncher: Sendable {
    /// Binds `host:port` (0 picks a free port) and serves the agent card and A2A JSON-RPC at
    /// `/`, and at `rpcPath` too when given (the path of a public URL). `dispatcher` is read
    /// per request (nil answers that the listener is still starting), so the card can carry
    /// the bound address. Throws when the bind fails.
    func launch(host: String, port: Int, rpcPath: String?, dispatcher: @escaping @Sendable () -> A2ADispatcher?) throws -> any A2ARunningListener
}

public protocol A2ARunningListener: Sendable {
    /// `host:port` as bound.
    var bound: String { get }
    /// Closes the listener; open streams end.
    func stop()
}
