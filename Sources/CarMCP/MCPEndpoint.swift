import CarHTTP
import CarIO
import CarJSON
import CarRPC
import Synchronization

/// The MCP streamable HTTP endpoint (2025-11-25, and 2025-06-18 / 2025-03-26 by negotiation),
/// as a route. It keeps the transport's session rules — `initialize` makes a session and
/// answers its `Mcp-Session-Id`; any other message without one is 400 and with an unknown one
/// 404 (clients start over only on 404) — and maps `tools/call` onto spec methods through the
/// backend. Called on the transport's thread: everything that waits runs in a task.
public final class MCPEndpoint: HTTPRouteHandler {
    public let sessions: MCPSessionTable
    private let backend: any MCPBackend
    private let catalog: MCPToolCatalog
    let config: MCPEndpointConfig
    private let authorization: MCPAuthorization
    private let log: @Sendable (String) -> Void
    /// Set by `shutdown`: from then on `initialize` is refused, so no session outlives it.
    private let stopping = Atomic<Bool>(false)

    public init(backend: any MCPBackend, tools: [MCPToolDescriptor], config: MCPEndpointConfig,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.backend = backend
        self.catalog = MCPToolCatalog(tools)
        self.config = config
        self.authorization = MCPAuthorization(token: config.authToken)
        self.sessions = MCPSessionTable(capacity: config.maxSessions)
        self.log = log
    }

    public func handle(_ exchange: any HTTPExchange) {
        let request = exchange.request
        if let refusal = authorization.refusal(request.headers) {
            exchange.respond(refusal)
            return
        }
        switch request.method {
        case "POST": post(exchange)
        case "GET": openStream(exchange)
        case "DELETE": delete(exchange)
        default: exchange.respond(MCPResponses.methodNotAllowed())
        }
    }

    static let sessionNotFound = MCPResponses.error(status: 404, id: nil, code: RPCErrorCode.invalidRequest,
                                                     message: "Not Found: no such session (it ended or expired); send initialize to start a new one")

    /// JSON-RPC's code for a request its client cancelled (as LSP numbers it).
    static let requestCancelled = -32800

    // MARK: POST: one JSON-RPC message

    private func post(_ exchange: any HTTPExchange) {
        let request = exchange.request
        let contentType = request.headers["Content-Type"]?.split(separator: ";").first.map { HTTPHeaders.trimmed($0).lowercased() }
        guard contentType == "application/json" else {
            exchange.respond(MCPResponses.error(status: 415, id: nil, code: RPCErrorCode.invalidRequest,
                                                message: "unsupported media type: a message is POSTed as application/json"))
            return
        }
        guard let accept = MCPAccept(request.headers), accept.json || accept.eventStream else {
            exchange.respond(MCPResponses.error(status: 406, id: nil, code: RPCErrorCode.invalidRequest,
                                                message: "not acceptable: the client must accept application/json or text/event-stream"))
            return
        }
        guard request.body.count > config.largeBodyBytes else {
            received(MCPMessage(request.body), accept, exchange)
            return
        }
        let body = request.body
        Task {
            let message = (try? await BlockingPool.compute.run { MCPMessage(body) }) ?? MCPMessage(body)
            received(message, accept, exchange)
        }
    }

    private func received(_ message: MCPMessage, _ accept: MCPAccept, _ exchange: any HTTPExchange) {
        let inbound: RPCInbound
        switch message {
        case .unreadable(let reason):
            exchange.respond(MCPResponses.error(status: 400, id: nil, code: RPCErrorCode.parseError, message: "parse error: \(reason)"))
            return
        case .batch(let elements):
            batch(elements, accept, exchange)
            return
        case .single(let read):
            inbound = read
        }
        if case .invalid(let id, let error) = inbound {
            exchange.respond(MCPResponses.error(status: 400, id: id, code: error.code, message: error.message))
            return
        }
        if case .request(let id, "initialize", let params) = inbound {
            initialize(id: id, params: params, accept, exchange)
            return
        }
        guard let session = session(for: exchange) else { return }
        switch inbound {
        case .notification(let method, let params):
            notification(method, params, session)
            exchange.respond(MCPResponses.accepted)
        case .response, .invalid:
            exchange.respond(MCPResponses.accepted)
        case .request(let id, let method, let params):
            let running = respond(to: id, method: method, params: params, in: session) { [self] message in
                guard let message else {
                    exchange.respond(Self.sessionNotFound)
                    return
                }
                answer(message, accept, exchange)
            }
            if let running { exchange.onCancel { running.cancel() } }
        }
    }

    /// Answers one request of a session through `done`, once: its response, or nil when the
    /// session ended under it. A tool call runs in a task, answered when it ends; the call is
    /// returned so that the client's going away can cancel it.
    func respond(to id: RPCID, method: String, params: JSONValue?, in session: MCPSession,
                 done: @escaping @Sendable (JSONValue?) -> Void) -> MCPCall? {
        switch method {
        case "ping":
            done(RPCMessage.result(id: id, .object([:])))
        case "tools/list":
            done(RPCMessage.result(id: id, catalog.listResult))
        case "tools/call":
            return call(id: id, params: params, session, done: done)
        default:
            done(RPCMessage.error(id: id, RPCError(code: RPCErrorCode.methodNotFound, message: "method not found: '\(method)'")))
        }
        return nil
    }

    private func initialize(id: RPCID, params: JSONValue?, _ accept: MCPAccept, _ exchange: any HTTPExchange) {
        guard !stopping.load(ordering: .acquiring) else {
            exchange.respond(MCPResponses.error(status: 503, id: id, code: RPCErrorCode.internalError, message: "the daemon is stopping"))
            return
        }
        let version = MCPProtocolVersion.negotiate(requested: params?["protocolVersion"]?.stringValue)
        let sessionID = MCPSessionTable.newID()
        guard let daemonSession = backend.openSession(id: sessionID) else {
            exchange.respond(MCPResponses.error(status: 503, id: id, code: RPCErrorCode.internalError, message: "the daemon cannot open a session now"))
            return
        }
        let session = MCPSession(id: sessionID, protocolVersion: version, backend: daemonSession)
        switch sessions.insert(session) {
        case .full:
            backend.closeSession(daemonSession)
            exchange.respond(MCPResponses.error(status: 503, id: id, code: RPCErrorCode.internalError,
                                                message: "too many MCP sessions (\(config.maxSessions)), all busy; try again later"))
            return
        case .closed:
            backend.closeSession(daemonSession)
            exchange.respond(MCPResponses.error(status: 503, id: id, code: RPCErrorCode.internalError, message: "the daemon is stopping"))
            return
        case .admitted(_, let evicted):
            if let evicted { finish(evicted, why: "evicted to make room for a new session") }
        }
        let result: JSONValue = .object([
            "protocolVersion": .string(version),
            "capabilities": .object(["tools": .object(["listChanged": false])]),
            "serverInfo": .object(["name": .string(config.serverName), "version": .string(config.serverVersion)]),
            "instructions": "CAR daemon tools: remember and recall facts in the daemon's shared memory, verify proposals, find and report skills.",
        ])
        answer(RPCMessage.result(id: id, result), accept, exchange, headers: ["Mcp-Session-Id": sessionID])
    }

    func notification(_ method: String, _ params: JSONValue?, _ session: MCPSession) {
        switch method {
        case "notifications/initialized":
            session.markInitialized()
        case "notifications/cancelled":
            if let raw = params?["requestId"], let id = RPCID(json: raw) { session.cancel(id) }
        default:
            return
        }
    }

    private func call(id: RPCID, params: JSONValue?, _ session: MCPSession, done: @escaping @Sendable (JSONValue?) -> Void) -> MCPCall? {
        func refuse(_ code: Int, _ message: String) -> MCPCall? {
            done(RPCMessage.error(id: id, RPCError(code: code, message: message)))
            return nil
        }
        guard let name = params?["name"]?.stringValue else {
            return refuse(RPCErrorCode.invalidParams, "invalid params: tools/call needs a string 'name'")
        }
        guard let tool = catalog.tool(name) else { return refuse(RPCErrorCode.invalidParams, "unknown tool: '\(name)'") }
        let arguments = params?["arguments"]
        switch arguments {
        case nil, .null?, .object?: break
        default: return refuse(RPCErrorCode.invalidParams, "invalid params: 'arguments' must be an object")
        }
        let running: MCPCall
        switch session.track(id, limit: config.maxCallsPerSession) {
        case .admitted(let call):
            running = call
        case .ended:
            done(nil)
            return nil
        case .duplicate:
            return refuse(RPCErrorCode.invalidRequest, "invalid request: id \(id) is already running in this session")
        case .full:
            return refuse(RPCErrorCode.internalError, "too many calls running in this session (\(config.maxCallsPerSession))")
        }
        let task = Task(executorPreference: config.executor) { [backend] in
            let outcome = await backend.call(method: tool.method, arguments: arguments, requestID: id, in: session.backend)
            session.untrack(id)
            session.touch()
            // Cancelled by `notifications/cancelled` (or the session's end): the POST still
            // needs an answer or its connection would hang, so it says so. (Cancelled because
            // the client went, the answer goes nowhere.)
            done(Task.isCancelled
                ? RPCMessage.error(id: id, RPCError(code: Self.requestCancelled, message: "request cancelled"))
                : RPCMessage.result(id: id, MCPToolCatalog.callResult(outcome, of: tool)))
        }
        running.run(task)
        return running
    }

    /// A request's answer as the client accepts it: JSON when it can, else an event stream
    /// holding the one response.
    func answer(_ message: JSONValue, _ accept: MCPAccept, _ exchange: any HTTPExchange, headers: HTTPHeaders = HTTPHeaders()) {
        let bytes = JSONWriter.bytes(message)
        if accept.json {
            var response = HTTPResponse.json(bytes)
            for field in headers { response.headers.set(field.name, field.value) }
            exchange.respond(response)
            return
        }
        guard let stream = exchange.openEventStream(headers: headers) else { return }
        stream.send([SSEEvent(data: String(decoding: bytes, as: UTF8.self), event: "message")])
        stream.end()
    }

    // MARK: GET: the session's server-to-client stream

    private func openStream(_ exchange: any HTTPExchange) {
        guard let session = session(for: exchange) else { return }
        guard let accept = MCPAccept(exchange.request.headers), accept.eventStream else {
            exchange.respond(MCPResponses.error(status: 406, id: nil, code: RPCErrorCode.invalidRequest,
                                                message: "not acceptable: GET /mcp opens an event stream; accept text/event-stream"))
            return
        }
        guard let stream = exchange.openEventStream(headers: ["Mcp-Session-Id": session.id]) else { return }
        guard session.attach(stream) else {
            stream.end()
            return
        }
        exchange.onCancel { [weak session] in session?.detach(stream) }
    }

    // MARK: DELETE: the client ends its session

    private func delete(_ exchange: any HTTPExchange) {
        guard let session = session(for: exchange) else { return }
        if sessions.remove(session.id) != nil { finish(session, why: nil) }
        exchange.respond(HTTPResponse(status: 200))
    }

    // MARK: Sessions

    /// The session a non-initialize request names, after the header rules; nil when the
    /// request was answered with 400 or 404 already.
    func session(for exchange: any HTTPExchange) -> MCPSession? {
        let headers = exchange.request.headers
        guard let id = headers["Mcp-Session-Id"] else {
            exchange.respond(MCPResponses.error(status: 400, id: nil, code: RPCErrorCode.invalidRequest,
                                                message: "Bad Request: Missing session ID (send initialize first, then Mcp-Session-Id on every request)"))
            return nil
        }
        if let version = headers["MCP-Protocol-Version"], !MCPProtocolVersion.isSupported(version) {
            exchange.respond(MCPResponses.error(status: 400, id: nil, code: RPCErrorCode.invalidRequest,
                                                message: "Bad Request: unsupported MCP-Protocol-Version '\(version)' (supported: \(MCPProtocolVersion.supported.joined(separator: ", ")))"))
            return nil
        }
        guard let session = sessions.session(id) else {
            exchange.respond(Self.sessionNotFound)
            return nil
        }
        session.touch()
        return session
    }

    private func finish(_ session: MCPSession, why: String?) {
        guard session.end() else { return }
        backend.closeSession(session.backend)
        // Named by its number, never by its id: the id is the client's credential.
        if let why { log("mcp session #\(session.serial): \(why)") }
    }

    /// Ends sessions idle past the configured time; answers how many.
    @discardableResult
    public func expireIdleSessions() -> Int {
        let stale = sessions.expire(idleFor: config.sessionIdleTimeout)
        for session in stale { finish(session, why: "idle for over \(Int(config.sessionIdleTimeout)) s; ended") }
        return stale.count
    }

    /// Sends a server-initiated message to a session's stream; false when it has none open.
    public func push(_ message: JSONValue, toSession id: String) -> Bool {
        sessions.session(id)?.push(message) ?? false
    }

    /// Ends every session (the daemon is stopping).
    public func shutdown() {
        stopping.store(true, ordering: .releasing)
        for session in sessions.removeAll() { finish(session, why: nil) }
    }
}
