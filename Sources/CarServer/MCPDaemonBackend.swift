import CarHandlers
import CarJSON
import CarMCP
import CarRPC
import Synchronization

/// The daemon behind the MCP endpoint: each MCP session is an ordinary daemon session
/// (unbound, so it works on the shared memory graph as the protocol's scope table says), and
/// each tool call goes through the same dispatcher as a WebSocket request — params checked
/// against the spec, the approval gate, the handler deadline.
final class MCPDaemonBackend: MCPBackend {
    private final class Session: MCPBackendSession {
        let client: ClientSession
        init(_ client: ClientSession) { self.client = client }
    }

    private let state: ServerState
    private let dispatcher: RPCDispatcher<ClientSession>
    private let loop: EventLoop
    private let bounded: BoundedDispatch

    init(state: ServerState, dispatcher: RPCDispatcher<ClientSession>, loop: EventLoop, inFlight: InFlightCount) {
        self.state = state
        self.dispatcher = dispatcher
        self.loop = loop
        // One table for every MCP call: one loop timer, however many sessions.
        self.bounded = BoundedDispatch(deadlines: DeadlineTable(scheduler: loop), inFlight: inFlight)
    }

    func openSession(id: String) -> (any MCPBackendSession)? {
        // The bearer token was checked by the endpoint for this very request; the session
        // holds the plain session role, never host or agent.
        // Its own id, not derived from the MCP session id: client ids reach logs and host
        // events, and the session id is the client's credential for its session.
        let client = state.createSession(clientID: MCPClientID.next(), peer: NoCallbackPeer())
        client.gate.authenticate(as: .session)
        return Session(client)
    }

    func call(method: String, arguments: JSONValue?, requestID: RPCID, in session: any MCPBackendSession) async -> Result<JSONValue, RPCError> {
        guard let session = session as? Session else {
            return .failure(RPCError(code: RPCErrorCode.internalError, message: "internal error: not a daemon session"))
        }
        let budget = dispatcher.deadline(for: method) ?? state.config.handlerTimeout
        let reply = await bounded.run(budget: budget, executor: executor(for: method)) { [dispatcher] in
            await dispatcher.dispatch(id: requestID, method: method, params: arguments, session: session.client)
        }
        guard let message = reply?.message else {
            return .failure(BoundedDispatch.deadlineError(method, budget))
        }
        return Self.outcome(of: message)
    }

    /// The loop, labelled with the method so the stall watchdog can name it.
    private func executor(for method: String) -> any TaskExecutor {
        LabeledExecutor(loop: loop, label: "mcp \(method)")
    }

    func closeSession(_ session: any MCPBackendSession) {
        guard let session = session as? Session else { return }
        state.removeSession(clientID: session.client.clientID)
    }

    /// A JSON-RPC response's result or error.
    private static func outcome(of message: JSONValue) -> Result<JSONValue, RPCError> {
        if let error = message["error"], let code = error["code"]?.intValue, let text = error["message"]?.stringValue {
            return .failure(RPCError(code: Int(code), message: text, data: error["data"]))
        }
        return .success(message["result"] ?? .null)
    }
}

/// An MCP session's way back to its client for daemon→client calls: there is none (a tool
/// callback such as `tools.execute` needs a WebSocket client), so every call fails at once.
private final class NoCallbackPeer: RPCPeer {
    private let counter = Atomic<Int64>(0)

    func nextCallID() -> RPCID {
        .string("mcp-cb-\(counter.add(1, ordering: .relaxed).newValue)")
    }

    func call(id: RPCID, method: String, params: JSONValue, timeout: Duration?) async throws -> JSONValue {
        throw PeerError.channelClosed(method: method)
    }

    func notify(method: String, params: JSONValue) {}
}
