import CarHTTP
import CarIO
import CarJSON
import CarRPC
import Synchronization

/// One MCP session: its id, the revision it negotiated, the daemon session behind it, the
/// calls running in it (so `notifications/cancelled` and the end of the session can stop
/// them) and its standalone server→client stream, if the client opened one with GET.
public final class MCPSession: Sendable {
    public let id: String
    /// A number for logs (the id is a credential and never logged).
    public let serial: UInt64
    public let protocolVersion: String
    let backend: any MCPBackendSession

    private struct State {
        var lastUsed: UInt64
        var initialized = false
        var calls: [RPCID: MCPCall] = [:]
        var stream: (any HTTPEventSink)?
        var ended = false
    }

    private let state: Mutex<State>
    private static let serials = Atomic<UInt64>(0)

    init(id: String, protocolVersion: String, backend: any MCPBackendSession) {
        self.id = id
        self.serial = Self.serials.add(1, ordering: .relaxed).newValue
        self.protocolVersion = protocolVersion
        self.backend = backend
        self.state = Mutex(State(lastUsed: MonotonicClock.nanoseconds()))
    }

    func touch() {
        state.withLock { $0.lastUsed = MonotonicClock.nanoseconds() }
    }

    func markInitialized() {
        state.withLock { $0.initialized = true }
    }

    var lastUsed: UInt64 { state.withLock { $0.lastUsed } }

    /// Busy: a call running or a stream open. A busy session is never expired or evicted.
    var isBusy: Bool { state.withLock { !$0.calls.isEmpty || $0.stream?.isOpen == true } }

    enum Admission {
        case admitted(MCPCall)
        case ended
        case duplicate
        case full
    }

    /// Tracks a call about to run, in one step with the checks: the session still lives, the
    /// id is not running already, and fewer than `limit` calls run.
    func track(_ id: RPCID, limit: Int) -> Admission {
        state.withLock { state in
            if state.ended { return .ended }
            if state.calls[id] != nil { return .duplicate }
            if state.calls.count >= limit { return .full }
            let call = MCPCall()
            state.calls[id] = call
            return .admitted(call)
        }
    }

    func untrack(_ id: RPCID) {
        _ = state.withLock { $0.calls.removeValue(forKey: id) }
    }

    /// `notifications/cancelled`: stops the call if it is still running.
    func cancel(_ id: RPCID) {
        state.withLock { $0.calls[id] }?.cancel()
    }

    /// Attaches the standalone stream, ending the one before if any: a client whose stream
    /// broke without our noticing (a network blip) opens a new one, and that one must work.
    /// False when the session has ended.
    func attach(_ stream: any HTTPEventSink) -> Bool {
        let replaced = state.withLock { state -> (attached: Bool, old: (any HTTPEventSink)?) in
            if state.ended { return (false, nil) }
            defer { state.stream = stream }
            return (true, state.stream)
        }
        replaced.old?.end()
        return replaced.attached
    }

    func detach(_ stream: any HTTPEventSink) {
        state.withLock { state in
            if state.stream === stream { state.stream = nil }
        }
    }

    /// Sends a server-initiated message on the standalone stream; false without one.
    func push(_ message: JSONValue) -> Bool {
        guard let stream = state.withLock({ $0.stream }), stream.isOpen else { return false }
        stream.send([SSEEvent(data: JSONWriter.string(message), event: "message")])
        return true
    }

    /// Ends the session: running calls are cancelled and the stream ends. Answers false when
    /// it had ended already.
    func end() -> Bool {
        let taken = state.withLock { state -> (calls: [MCPCall], stream: (any HTTPEventSink)?)? in
            guard !state.ended else { return nil }
            state.ended = true
            defer {
                state.calls = [:]
                state.stream = nil
            }
            return (Array(state.calls.values), state.stream)
        }
        guard let taken else { return false }
        for call in taken.calls { call.cancel() }
        taken.stream?.end()
        return true
    }
}

/// A running call. Tracked before its task exists, so a call that finishes at once is never
/// left behind in the session, and a cancel that comes first still reaches the task.
final class MCPCall: Sendable {
    private let state = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func run(_ task: Task<Void, Never>) {
        let cancelled = state.withLock { state -> Bool in
            state.task = task
            return state.cancelled
        }
        if cancelled { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { state -> Task<Void, Never>? in
            state.cancelled = true
            return state.task
        }
        task?.cancel()
    }
}
