import CarHandlers
import CarRPC
import CarWebSocket
import Synchronization

/// Joins the transport to the dispatcher: each WebSocket connection gets a session and a
/// peer channel; each text frame is parsed once and either settles a pending server→client
/// call or is dispatched as a request on the connection's event loop (concurrently, so
/// replies may leave in a different order than requests arrived).
final class RPCConnectionHandler: WebSocketServerDelegate {
    private struct Connection {
        let session: ClientSession
        let channel: PeerChannel
        /// Every deadline of this connection — its requests' and its callbacks' — on one timer.
        let deadlines: DeadlineTable
        /// Requests of this connection running as tasks. While any is pending, inline methods
        /// take the task path too, so a pipelined request is never admitted or answered ahead of
        /// one sent before it (a `server.ping` right behind its `session.auth`).
        let tasks: TaskCount
    }

    private final class TaskCount: Sendable {
        private let running = Atomic<Int>(0)
        var isIdle: Bool { running.load(ordering: .acquiring) == 0 }
        func enter() { running.add(1, ordering: .relaxed) }
        func leave() { running.subtract(1, ordering: .releasing) }
    }

    private let state: ServerState
    private let dispatcher: RPCDispatcher<ClientSession>
    private let executor: any TaskExecutor
    private let logger: Logger
    private let binaryFrames: @Sendable (ClientSession, [UInt8]) -> Void
    private let connections = Mutex<[UInt64: Connection]>([:])

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
        connections.withLock { $0[connection.id] = Connection(session: session, channel: channel, deadlines: deadlines, tasks: TaskCount()) }
        logger.debug("session \(session.clientID) opened (\(connection.peerDescription))")
    }

    func connection(_ connection: WebSocketConnection, receivedText bytes: [UInt8]) {
        guard let entry = connections.withLock({ $0[connection.id] }) else { return }
        let inbound: RPCInbound
        do {
            switch try JSONParser.parseDocument(bytes) {
            case .object(let members):
                inbound = RPCInbound(members: members)
            case .value(.array(let elements)):
                run(on: connection, entry) { [dispatcher] in await dispatcher.dispatchBatch(elements, session: entry.session) }
                return
            case .value(let other):
                inbound = RPCInbound(other)
            }
        } catch {
            send(RPCMessage.error(id: nil, RPCError(code: RPCErrorCode.parseError, message: "parse error: \(error)")), on: connection)
            return
        }
        switch inbound {
        case .response(let id, let outcome):
            if !entry.channel.complete(id: id, outcome: outcome) {
                logger.debug("session \(entry.session.clientID): reply for unknown callback id \(id) ignored")
            }
        case .invalid(let id, let error):
            send(RPCMessage.error(id: id, error), on: connection)
        case .request(let id, let method, let params):
            dispatch(on: connection, entry, id: id, method: method, params: params)
        case .notification(let method, let params):
            dispatch(on: connection, entry, id: nil, method: method, params: params)
        }
    }

    /// A request (with an id) or a notification (without). A handler that never waits answers
    /// here and now, with no task and no deadline entry; any other runs as a task.
    private func dispatch(on connection: WebSocketConnection, _ entry: Connection, id: RPCID?, method: String, params: JSONValue?) {
        if entry.tasks.isIdle, let reply = dispatcher.dispatchInline(id: id, method: method, params: params, session: entry.session) {
            deliver(reply, on: connection)
            return
        }
        run(on: connection, entry, id: id, method: method) { [dispatcher] in
            await dispatcher.dispatch(id: id, method: method, params: params, session: entry.session)
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
        entry.channel.close()
        entry.deadlines.close()
        state.removeSession(clientID: entry.session.clientID)
        logger.debug("session \(entry.session.clientID) closed")
    }

    var openSessions: Int { connections.withLock { $0.count } }

    /// Runs one dispatch on the event loop's executor: no thread hop for handlers that do not
    /// suspend, which is most of them.
    private func run(on connection: WebSocketConnection, _ entry: Connection, _ work: @escaping @Sendable () async -> DispatchReply) {
        entry.tasks.enter()
        Task(executorPreference: executor) { [weak connection, self] in
            defer { entry.tasks.leave() }
            let reply = await work()
            guard let connection else { return }
            deliver(reply, on: connection)
        }
    }

    private func deliver(_ reply: DispatchReply, on connection: WebSocketConnection) {
        if let message = reply.message { send(message, on: connection) }
        if reply.closeConnection { connection.close(code: CloseCode.policyViolation, reason: "auth required") }
    }

    /// A single request or notification, bounded by its handler deadline: past it, the task is
    /// cancelled and a request's caller gets -32004 naming the method, while the connection
    /// keeps serving. The reply of a handler that finishes afterwards is dropped.
    private func run(on connection: WebSocketConnection, _ entry: Connection, id: RPCID?, method: String,
                     _ work: @escaping @Sendable () async -> DispatchReply) {
        let budget = dispatcher.deadline(for: method) ?? state.config.handlerTimeout
        let running = Mutex<Task<Void, Never>?>(nil)
        let token = entry.deadlines.add(after: budget) { [weak connection, self] in
            running.withLock { $0 }?.cancel()
            guard let id, let connection else { return }
            let error = RPCError(code: RPCErrorCode.deadlineExceeded,
                                 message: "handler deadline exceeded: '\(method)' ran longer than \(Self.seconds(budget))s")
            send(RPCMessage.error(id: id, error), on: connection)
        }
        entry.tasks.enter()
        let task = Task(executorPreference: executor) { [weak connection, self] in
            defer { entry.tasks.leave() }
            let reply = await work()
            if let token, !entry.deadlines.finish(token) { return }
            guard let connection else { return }
            deliver(reply, on: connection)
        }
        running.withLock { $0 = task }
    }

    private static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)" : "\(Double(millis) / 1000)"
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

    static func next() -> String {
        let number = counter.add(1, ordering: .relaxed).newValue
        return "ws-\(launch)-\(number)"
    }
}
