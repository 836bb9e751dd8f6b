import CarHandlers
import CarIO
import CarRPC
import CarWebSocket
import Synchronization

/// Joins the transport to the dispatcher: each WebSocket connection gets a session and a
/// peer channel; each text frame is parsed once and either settles a pending server→client
/// call or is dispatched as a request on the connection's event loop (concurrently, so
/// replies may leave in a different order than requests arrived).
///
/// Before a connection authenticates (auth on) it is held to little: `authTimeout` to do it,
/// messages of at most `preAuthMessageBytes`, and nothing but `session.auth` — anything else,
/// or a refused auth, closes it. Every request of a connection is a tracked task, cancelled
/// when the connection goes, so no handler outlives its client.
final class RPCConnectionHandler: WebSocketServerDelegate {
    private struct Connection {
        let session: ClientSession
        let channel: PeerChannel
        /// Every deadline of this connection — its requests' and its callbacks' — on one timer.
        let deadlines: DeadlineTable
        /// Requests of this connection running as tasks. While any is pending, inline methods
        /// take the task path too, so a pipelined request is never admitted or answered ahead of
        /// one sent before it (a `server.ping` right behind its `session.auth`).
        let tasks: RequestTasks
    }

    /// Frames an unauthenticated peer may have waiting behind its running session.auth.
    static let maxPipelinedBeforeAuth = 16

    /// A batch longer than this is refused whole, before any element runs.
    static let maxBatchLength = 1000

    private let state: ServerState
    private let dispatcher: RPCDispatcher<ClientSession>
    private let executor: any TaskExecutor
    private let logger: Logger
    private let binaryFrames: @Sendable (ClientSession, [UInt8]) -> Void
    private let connections = Mutex<[UInt64: Connection]>([:])
    let inFlight = InFlightCount()

    init(
        state: ServerState, dispatcher: RPCDispatcher<ClientSession>, executor: any TaskExecutor, logger: Logger,
        binaryFrames: @escaping @Sendable (ClientSession, [UInt8]) -> Void
    ) {
        self.state = state
        self.dispatcher = dispatcher
        self.executor = executor
        self.logger = logger
        self.binaryFrames = binaryFrames
    }

    func connectionOpened(_ connection: WebSocketConnection) {
        let deadlines = DeadlineTable(scheduler: connection.loop)
        let channel = PeerChannel(deadlines: deadlines, sendSerialized: { [weak connection] bytes in connection?.sendText(bytes) }) {
            [weak connection] message in connection?.sendText(JSONWriter.bytes(message))
        }
        let session = state.createSession(clientID: ClientID.next(), peer: channel)
        let tasks = RequestTasks(daemonWide: inFlight) { [weak connection] pressed in
            if pressed { connection?.holdReads() } else { connection?.releaseReads() }
        }
        let entry = Connection(session: session, channel: channel, deadlines: deadlines, tasks: tasks)
        connections.withLock { $0[connection.id] = entry }
        if !session.gate.isAuthenticated {
            connection.limitMessages(to: state.config.preAuthMessageBytes)
            let budget = state.config.authTimeout
            _ = deadlines.add(after: budget) { [weak connection, logger] in
                guard let connection, !session.gate.isAuthenticated else { return }
                logger.debug("session \(session.clientID): not authenticated within \(BoundedDispatch.seconds(budget))s; closing")
                connection.close(code: CloseCode.policyViolation, reason: "auth timeout")
            }
        }
        logger.debug("session \(session.clientID) opened (\(connection.peerDescription))")
    }

    /// Past this size a message is read on the blocking-work pool, since its cost grows with
    /// it: the parse, and for an inline method (`state.set` of a 16 MiB value) the handler and
    /// the encoding of its reply too. The loop serves every other connection meanwhile. Only
    /// an authenticated connection can send one (the pre-auth limit is 64 KiB).
    static let largeMessageBytes = 256 << 10

    /// A text message, read.
    private enum Parsed: Sendable {
        case inbound(RPCInbound)
        case batch([JSONValue])
        case unreadable(JSONParseError)

        init(_ bytes: [UInt8]) {
            switch Result(catching: { () throws(JSONParseError) in try JSONParser.parseDocument(bytes) }) {
            case .success(.object(let members)): self = .inbound(RPCInbound(members: members))
            case .success(.value(.array(let elements))): self = .batch(elements)
            case .success(.value(let other)): self = .inbound(RPCInbound(other))
            case .failure(let error): self = .unreadable(error)
            }
        }
    }

    /// What the pool made of a large message: read only, or also answered.
    private enum LargeMessage: Sendable {
        case parsed(Parsed)
        case answered(DispatchReply, encoded: [UInt8]?, method: String)
    }

    /// Owns a large message's bytes until the pool takes them, so they are freed there.
    private final class Handoff: @unchecked Sendable {
        private var bytes: [UInt8]?
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        /// Called once, by the one pool job.
        func take() -> [UInt8] { defer { bytes = nil }; return bytes ?? [] }
    }

    func connection(_ connection: WebSocketConnection, receivedText bytes: [UInt8]) {
        guard let entry = connections.withLock({ $0[connection.id] }) else { return }
        guard bytes.count > Self.largeMessageBytes else {
            received(Parsed(bytes), on: connection, entry)
            return
        }
        let handoff = Handoff(bytes)
        // No frame after this one is read or admitted until this one is: order is kept as for
        // small messages, and one large message at a time per connection is held in memory,
        // whatever the client pipelines behind it (that waits in the kernel's buffers).
        connection.holdReads()
        entry.tasks.start(executor: executor(for: "a large message")) { [weak connection, self] in
            defer { connection?.releaseReads() }
            let outcome: LargeMessage
            do {
                outcome = try await BlockingPool.compute.run { self.read(handoff.take(), entry) }
            } catch is BlockingPoolError {
                // The pool is saturated: read it here rather than leave its caller without an
                // answer (the caller's id is inside the message).
                outcome = .parsed(Parsed(handoff.take()))
            } catch {
                return // cancelled: the connection is gone
            }
            guard let connection else { return }
            switch outcome {
            case .parsed(let parsed):
                received(parsed, on: connection, entry)
            case .answered(let reply, let encoded, let method):
                deliver(reply, encoded: encoded, on: connection, entry, method: method)
            }
        }
    }

    /// On a pool thread: parses a large message and, when it is a request for an inline method
    /// of an authenticated session, runs that too (handlers are Sendable). Only when nothing
    /// else of the connection is running: an inline method never overtakes a request sent
    /// before it, and with reads held no later one can start meanwhile.
    private func read(_ bytes: [UInt8], _ entry: Connection) -> LargeMessage {
        let parsed = Parsed(bytes)
        guard entry.session.gate.isAuthenticated, entry.tasks.count == 1, case .inbound(let inbound) = parsed else { return .parsed(parsed) }
        let call: (id: RPCID?, method: String, params: JSONValue?)
        switch inbound {
        case .request(let id, let method, let params): call = (id, method, params)
        case .notification(let method, let params): call = (nil, method, params)
        case .response, .invalid: return .parsed(parsed)
        }
        guard let reply = dispatcher.dispatchInline(id: call.id, method: call.method, params: call.params, session: entry.session) else {
            return .parsed(parsed)
        }
        return .answered(reply, encoded: reply.message.map(JSONWriter.bytes), method: call.method)
    }

    private func received(_ parsed: Parsed, on connection: WebSocketConnection, _ entry: Connection) {
        let inbound: RPCInbound
        switch parsed {
        case .inbound(let read):
            inbound = read
        case .batch(let elements):
            if refusedBeforeAuth(entry, method: nil, on: connection) { return }
            dispatchBatch(elements, on: connection, entry)
            return
        case .unreadable(let error):
            send(RPCMessage.error(id: nil, RPCError(code: RPCErrorCode.parseError, message: "parse error: \(error)")), on: connection)
            closeIfUnauthenticated(entry, on: connection)
            return
        }
        switch inbound {
        case .response(let id, let outcome):
            if refusedBeforeAuth(entry, method: nil, on: connection) { return }
            if !entry.channel.complete(id: id, outcome: outcome) {
                logger.debug("session \(entry.session.clientID): reply for unknown callback id \(id) ignored")
            }
        case .invalid(let id, let error):
            send(RPCMessage.error(id: id, error), on: connection)
            closeIfUnauthenticated(entry, on: connection)
        case .request(let id, let method, let params):
            if refusedBeforeAuth(entry, method: method, id: id, on: connection) { return }
            dispatch(on: connection, entry, id: id, method: method, params: params)
        case .notification(let method, let params):
            if refusedBeforeAuth(entry, method: method, on: connection) { return }
            dispatch(on: connection, entry, id: nil, method: method, params: params)
        }
    }

    /// Before auth only a `session.auth` request is taken. While an earlier request is still
    /// running (a pipelined frame right behind `session.auth`), the dispatcher decides, after
    /// that request, whether the connection has authenticated by then.
    private func refusedBeforeAuth(_ entry: Connection, method: String?, id: RPCID? = nil, on connection: WebSocketConnection) -> Bool {
        guard !entry.session.gate.isAuthenticated else { return false }
        // Frames pipelined behind a running session.auth wait for it, but only a few: an
        // unauthenticated peer cannot queue work without bound.
        let queued = entry.tasks.count
        if queued >= Self.maxPipelinedBeforeAuth {
            connection.close(code: CloseCode.policyViolation, reason: "auth required")
            return true
        }
        guard method != "session.auth", queued == 0 else { return false }
        let error = RPCError(code: RPCErrorCode.authRequired,
                             message: "auth required: call session.auth with the daemon token before '\(method ?? "anything else")'")
        if let id { send(RPCMessage.error(id: id, error), on: connection) }
        connection.close(code: CloseCode.policyViolation, reason: "auth required")
        return true
    }

    private func closeIfUnauthenticated(_ entry: Connection, on connection: WebSocketConnection) {
        if !entry.session.gate.isAuthenticated { connection.close(code: CloseCode.policyViolation, reason: "auth required") }
    }

    /// A request (with an id) or a notification (without). A handler that never waits answers
    /// here and now, with no task and no deadline entry; any other runs as a task.
    private func dispatch(on connection: WebSocketConnection, _ entry: Connection, id: RPCID?, method: String, params: JSONValue?) {
        connection.loop.noteActivity(method)
        if entry.tasks.isIdle, let reply = dispatcher.dispatchInline(id: id, method: method, params: params, session: entry.session) {
            deliver(reply, on: connection, entry, method: method)
            return
        }
        // One task per request, bounded by its handler deadline: past it, the task is
        // cancelled and a request's caller gets -32004 naming the method, while the connection
        // keeps serving. The reply of a handler that finishes afterwards is dropped.
        // The deadline is armed when the handler starts, so time spent queued behind a
        // session-setup request does not count against it.
        let budget = budget(method)
        let running = Mutex<Task<Void, Never>?>(nil)
        let task = entry.tasks.start(executor: executor(for: method), barrier: Self.sessionSetup.contains(method)) {
            [weak connection, self] in
            let token = entry.deadlines.add(after: budget) { [weak connection, self] in
                running.withLock { $0 }?.cancel()
                guard let id, let connection else { return }
                send(RPCMessage.error(id: id, BoundedDispatch.deadlineError(method, budget)), on: connection)
            }
            let reply = await dispatcher.dispatch(id: id, method: method, params: params, session: entry.session)
            if let token, !entry.deadlines.finish(token) { return }
            guard let connection else { return }
            deliver(reply, on: connection, entry, method: method)
        }
        running.withLock { $0 = task }
    }

    /// Requests that change what later ones may do (auth, the negotiated protocol): a request
    /// pipelined behind one of them waits until it is answered, even if its handler suspends.
    private static let sessionSetup: Set<String> = ["session.auth", "server.handshake"]

    /// A batch: at most `maxBatchLength` elements, each under its own handler deadline.
    private func dispatchBatch(_ elements: [JSONValue], on connection: WebSocketConnection, _ entry: Connection) {
        guard elements.count <= Self.maxBatchLength else {
            let error = RPCError(code: RPCErrorCode.invalidRequest,
                                 message: "invalid request: a batch holds at most \(Self.maxBatchLength) requests (got \(elements.count))")
            send(RPCMessage.error(id: nil, error), on: connection)
            return
        }
        entry.tasks.start(executor: executor(for: "a batch"), barrier: true) { [weak connection, self] in
            let reply = await dispatcher.dispatchBatch(elements, session: entry.session) { id, method, element in
                await self.bounded(entry, id: id, method: method, element)
            }
            guard let connection else { return }
            deliver(reply, on: connection, entry, method: nil)
        }
    }

    func connection(_ connection: WebSocketConnection, receivedBinary bytes: [UInt8]) {
        guard let entry = connections.withLock({ $0[connection.id] }) else { return }
        guard entry.session.gate.isAuthenticated else {
            connection.close(code: CloseCode.policyViolation, reason: "auth required")
            return
        }
        binaryFrames(entry.session, bytes)
    }

    func connectionClosed(_ connection: WebSocketConnection) {
        guard let entry = connections.withLock({ $0.removeValue(forKey: connection.id) }) else { return }
        // Handlers first: a gated call waiting for a person, a proposal awaiting callbacks —
        // each sees cancellation and ends; the channel then fails whatever still waits on it.
        entry.tasks.cancelAll()
        entry.channel.close()
        entry.deadlines.close()
        state.removeSession(clientID: entry.session.clientID)
        logger.debug("session \(entry.session.clientID) closed")
    }

    var openSessions: Int { connections.withLock { $0.count } }

    /// Requests still running on every connection, closed ones included: what shutdown waits for.
    var runningRequests: Int { inFlight.current }

    /// Cancels every connection's requests (shutdown).
    func cancelAllRequests() {
        for entry in connections.withLock({ Array($0.values) }) { entry.tasks.cancelAll() }
    }

    /// `encoded`, when given, is `reply.message` already encoded (off the loop).
    private func deliver(_ reply: DispatchReply, encoded: [UInt8]? = nil, on connection: WebSocketConnection, _ entry: Connection, method: String?) {
        if let encoded {
            connection.sendText(encoded)
        } else if let message = reply.message {
            send(message, on: connection)
        }
        if reply.closeConnection {
            connection.close(code: CloseCode.policyViolation, reason: "auth required")
        } else if !entry.session.gate.isAuthenticated {
            // Anything answered before auth ends the connection, except a refused session.auth,
            // which may be retried a few times within the auth deadline.
            if method == "session.auth", entry.tasks.mayRetryAuth() { return }
            connection.close(code: CloseCode.policyViolation, reason: "auth required")
        } else if entry.tasks.liftPreAuthLimit() {
            connection.limitMessages(to: nil)
        }
    }

    /// The loop's executor, labelled with the method so the watchdog can name it.
    private func executor(for method: String) -> any TaskExecutor {
        (executor as? EventLoop).map { LabeledExecutor(loop: $0, label: method) } ?? executor
    }

    private func budget(_ method: String) -> Duration {
        dispatcher.deadline(for: method) ?? state.config.handlerTimeout
    }

    /// One batch element under its handler deadline (`BoundedDispatch`).
    private func bounded(_ entry: Connection, id: RPCID?, method: String,
                         _ work: @escaping @Sendable () async -> DispatchReply) async -> DispatchReply {
        let budget = budget(method)
        let bounded = BoundedDispatch(deadlines: entry.deadlines, inFlight: inFlight)
        if let reply = await bounded.run(budget: budget, executor: executor(for: method), work) { return reply }
        return DispatchReply(message: id.map { RPCMessage.error(id: $0, BoundedDispatch.deadlineError(method, budget)) })
    }

    private func send(_ message: JSONValue, on connection: WebSocketConnection) {
        connection.sendText(JSONWriter.bytes(message))
    }
}

/// Client ids name sessions in logs and journal files; unique across restarts so a new
/// session never appends to an old session's journal.
enum ClientID {
    private static let launch: String = {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt32, radix: 16)
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next(prefix: String = "ws") -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return "\(prefix)-\(launch)-\(number)"
    }
}

/// An MCP session's daemon client id (`mcp-<launch>-<n>`), numbered with the WebSocket ones.
enum MCPClientID {
    static func next() -> String { ClientID.next(prefix: "mcp") }
}
