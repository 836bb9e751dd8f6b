import CarJSON
import Synchronization

/// The A2A server's logic, without a socket: the transport decodes the JSON-RPC envelope,
/// checks the version header (`versionError`), maps the method name to an `A2AOperation` and
/// its version, and calls `call` (a JSON-RPC `result` back) or `stream` (SSE events back).
/// Replies are in the shapes of the request's version only.
///
/// Tasks: a message starts (or continues) a task that the runtime works on in a Swift task of
/// its own; its versions are saved in the store as they happen (submitted, working, then
/// completed / failed / canceled). Cancelling the request (its client went away) never stops
/// the work, as with the SDK's server; CancelTask does, by cancelling that Swift task.
///
/// Never blocks a thread: store I/O is awaited, waits are continuations.
public final class A2ADispatcher: Sendable {
    public let runtime: any A2ARuntime
    public let store: any A2ATaskStore
    public let cardSource: any A2ACardSource
    public let info: A2ACardInfo
    public let limits: A2ALimits
    let clock: @Sendable () -> Int64
    let warn: @Sendable (String) -> Void
    /// Where the dispatcher's own tasks run (work, timers, saves): the daemon passes its event
    /// loop, so a busy cooperative pool never delays a task's work; nil uses the global pool.
    let executor: (any TaskExecutor)?
    private let table = Mutex(RunTable())

    private struct RunTable {
        var runs: [String: A2ATaskRun] = [:]
        var shutDown = false
    }

    /// `clock` stamps status times (microseconds; tests step it); `warn` hears what cannot be
    /// answered to anyone (a save that failed after the request was answered).
    public init(runtime: any A2ARuntime, store: any A2ATaskStore, cardSource: any A2ACardSource = A2ADefaultCardSource(),
                info: A2ACardInfo, limits: A2ALimits = A2ALimits(), clock: @escaping @Sendable () -> Int64 = { A2AIdentifier.now() },
                warn: @escaping @Sendable (String) -> Void = { _ in }, executor: (any TaskExecutor)? = nil) {
        self.executor = executor
        self.runtime = runtime
        self.store = store
        self.cardSource = cardSource
        self.info = info
        self.limits = limits
        self.clock = clock
        self.warn = warn
    }

    // MARK: Entry points

    /// A non-streaming operation; the JSON is the JSON-RPC `result` in `version`'s shapes.
    /// A streaming operation here is -32601 (this path has no event stream).
    public func call(_ operation: A2AOperation, version: A2AProtocolVersion, params: JSONValue, caller: A2ACaller) async throws(A2AError) -> JSONValue {
        try checkOpen()
        let codec = A2ACodec(version)
        switch operation {
        case .sendMessage:
            return codec.encode(try await send(try codec.decodeSendRequest(params), caller: caller))
        case .getTask:
            let request = try codec.decodeGetTaskRequest(params)
            guard let task = try await currentTask(request.id, for: caller) else { throw .taskNotFound() }
            return codec.encode(task.trimmed(historyLength: request.historyLength))
        case .listTasks:
            // 0.3 has no tasks/list: the SDK's server answers it -32601.
            guard version == .v1_0 else { throw .methodNotFound() }
            var query = try codec.decodeTaskQuery(params)
            query.owner = caller.peerID
            return codec.encode(try await list(query))
        case .cancelTask:
            return codec.encode(try await cancel(try codec.decodeTaskID(params), caller: caller))
        case .createTaskPushNotificationConfig, .getTaskPushNotificationConfig, .listTaskPushNotificationConfigs,
             .deleteTaskPushNotificationConfig:
            throw .pushNotificationNotSupported()
        case .getExtendedAgentCard:
            // The card does not offer one; the SDK answers -32004 then, not -32007.
            throw .extendedCardNotSupported()
        case .sendStreamingMessage, .subscribeToTask:
            throw .methodNotFound()
        }
    }

    /// A streaming operation: the events of its answer. The first is the task; the stream
    /// ends after the task ends or waits for input, when the dispatcher shuts down, or after
    /// an event the consumer fell too far behind to take (`A2ALimits.streamBuffer`).
    /// Ending the consumption (the stream's termination) only stops following the task.
    ///
    /// Errors before the first event: in 1.0 they are thrown, to go out as a plain JSON-RPC
    /// error; in 0.3 they come back as a stream whose only event is `.failure`, because the
    /// SDK's 0.3 server sends them as an SSE event (only the version header is checked before
    /// that, by the transport). A non-streaming operation is thrown -32601 in both.
    public func stream(_ operation: A2AOperation, version: A2AProtocolVersion, params: JSONValue, caller: A2ACaller) async throws(A2AError) -> AsyncStream<A2AStreamEvent> {
        guard operation.streams else { throw .methodNotFound() }
        do {
            try checkOpen()
            let codec = A2ACodec(version)
            if operation == .sendStreamingMessage {
                return try await sendStreaming(try codec.decodeSendRequest(params), codec: codec, caller: caller)
            }
            return try await subscribe(try codec.decodeTaskID(params), codec: codec, caller: caller)
        } catch where version == .v0_3 {
            return Self.single(.failure(error))
        }
    }

    /// The agent card, with the runtime's tools as they are now.
    public func agentCard() async -> JSONValue {
        await cardSource.card(info: info, tools: await runtime.tools())
    }

    /// Refuses new work, cancels the running work (each task still records that it was
    /// canceled, as its runtime returns) and ends every stream and wait at once.
    public func shutdown() {
        let runs = table.withLock { table in
            table.shutDown = true
            return Array(table.runs.values)
        }
        for run in runs {
            run.requestCancel()
            run.close()
        }
    }

    /// Tasks whose work is running (for status and tests).
    public var runningTaskCount: Int { table.withLock { $0.runs.count } }

    // MARK: Runs

    func checkOpen() throws(A2AError) {
        if table.withLock({ $0.shutDown }) { throw .internalError("the A2A agent is shutting down") }
    }

    /// The run of a task this dispatcher is working on, if any.
    func run(_ id: String) -> A2ATaskRun? { table.withLock { $0.runs[id] } }

    /// Takes a running slot for the task, refusing past `maxRunningTasks`.
    func reserve(_ task: A2ATask) throws(A2AError) -> A2ATaskRun {
        try table.withLock { table throws(A2AError) in
            guard !table.shutDown else { throw .internalError("the A2A agent is shutting down") }
            if let running = table.runs[task.id] {
                let state = running.snapshot.status.state
                throw state.isTerminal ? .terminalTask(task.id, state)
                    : .unsupportedOperation("Task \(A2AError.clip(task.id)) is still working on an earlier message; send the next one when it has finished")
            }
            guard table.runs.count < limits.maxRunningTasks else {
                throw .internalError("the agent is working on \(limits.maxRunningTasks) tasks, its limit; try again when one has finished")
            }
            let run = A2ATaskRun(task: task, executor: executor)
            table.runs[task.id] = run
            return run
        }
    }

    func release(_ run: A2ATaskRun) {
        table.withLock { table in
            if table.runs[run.id] === run { table.runs[run.id] = nil }
        }
    }

    /// The task as it is now (a running one's snapshot, else the stored version), when it is
    /// the caller's to see: another peer's task is not found, as if it did not exist.
    func currentTask(_ id: String, for caller: A2ACaller) async throws(A2AError) -> A2ATask? {
        let task: A2ATask?
        if let run = run(id) { task = run.snapshot } else { task = try await storeCall { try await self.store.task(id: id) } }
        return task.flatMap { caller.owns($0) ? $0 : nil }
    }

    // MARK: Store

    /// Saves in a task of its own, so a caller that is cancelled mid-save (its client left)
    /// neither tears the write nor skips it.
    @Sendable func persist(_ task: A2ATask) async throws(A2AError) {
        let store = store
        let outcome = await Task(executorPreference: executor) { try await store.save(task) }.result
        if case .failure(let error) = outcome { throw Self.storeError(error) }
    }

    func storeCall<T: Sendable>(_ body: @Sendable @escaping () async throws -> T) async throws(A2AError) -> T {
        do {
            return try await body()
        } catch {
            throw Self.storeError(error)
        }
    }

    static func storeError(_ error: any Error) -> A2AError {
        if let error = error as? A2AError { return error }
        if let error = error as? A2AStoreError { return .internalError(error.description) }
        return .internalError("the task store failed: \(error)")
    }

    static func single(_ event: A2AStreamEvent) -> AsyncStream<A2AStreamEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: A2AStreamEvent.self)
        continuation.yield(event)
        continuation.finish()
        return stream
    }
}
