import CarRPC
import Synchronization

/// The server→client half of one connection (the seed's `WsChannel`): requests get `cb-N` ids,
/// wait in a table until the client's reply arrives, and all fail at once when the
/// connection closes, so a handler awaiting a callback never hangs on a dead peer.
///
/// Deadlines: a call with a timeout records its deadline in the table, and the channel keeps
/// at most one timer armed on the event loop, for the earliest deadline; when it fires it
/// fails what has expired and re-arms for the next. A callback thus costs no task and no
/// timer of its own, which keeps the callback round trip short.
final class PeerChannel: RPCPeer {
    /// A client that never answers cannot make the table grow without limit.
    static let maxPendingCalls = 4096

    private struct Waiting {
        var method: String
        var continuation: CheckedContinuation<JSONValue, any Error>
        /// Monotonic nanoseconds; nil waits until the reply or the close.
        var deadline: UInt64?
        var timeout: Duration?
    }

    private struct Table {
        var nextID: UInt64 = 1
        var waiting: [RPCID: Waiting] = [:]
        var closed = false
        var armed: (deadline: UInt64, timer: ScheduledWork)?
    }

    private let table = Mutex(Table())
    private let send: @Sendable (JSONValue) -> Void
    private let scheduler: (any DeadlineScheduler)?

    /// Without a scheduler, timeouts are not enforced (tests of routing alone).
    init(scheduler: (any DeadlineScheduler)? = nil, send: @escaping @Sendable (JSONValue) -> Void) {
        self.scheduler = scheduler
        self.send = send
    }

    func nextCallID() -> RPCID {
        table.withLock { table -> RPCID in
            defer { table.nextID += 1 }
            return .string("cb-\(table.nextID)")
        }
    }

    func call(id: RPCID, method: String, params: JSONValue, timeout: Duration?) async throws -> JSONValue {
        let deadline = timeout.map { MonotonicClock.nanoseconds() &+ Self.nanoseconds($0) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure: PeerError? = table.withLock { table in
                    if table.closed { return .channelClosed(method: method) }
                    if table.waiting.count >= Self.maxPendingCalls {
                        return .malformedReply(method: method, detail: "too many callbacks in flight")
                    }
                    if table.waiting[id] != nil {
                        return .malformedReply(method: method, detail: "callback id \(id) is already in flight")
                    }
                    table.waiting[id] = Waiting(method: method, continuation: continuation, deadline: deadline, timeout: timeout)
                    if let deadline, table.armed.map({ deadline < $0.deadline }) ?? true { arm(deadline, in: &table) }
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                    return
                }
                send(RPCMessage.request(id: id, method: method, params: params))
            }
        } onCancel: {
            // The caller gave up (proposal aborted): release the slot now rather than when a
            // late reply arrives, which it may never do.
            let waiting = table.withLock { $0.waiting.removeValue(forKey: id) }
            waiting?.continuation.resume(throwing: CancellationError())
        }
    }

    func notify(method: String, params: JSONValue) {
        guard !table.withLock({ $0.closed }) else { return }
        send(RPCMessage.notification(method: method, params: params))
    }

    /// A reply from the client. Ids we never issued (or already settled) are ignored, as the
    /// protocol's clients do with unsolicited frames. Returns false for an unknown id.
    @discardableResult
    func complete(id: RPCID, outcome: Result<JSONValue, RPCError>) -> Bool {
        // The armed timer stays: when it fires it finds nothing expired and re-arms for the
        // earliest deadline still waiting, so a reply costs no timer work.
        guard let continuation = table.withLock({ $0.waiting.removeValue(forKey: id) })?.continuation else { return false }
        switch outcome {
        case .success(let value): continuation.resume(returning: value)
        case .failure(let error): continuation.resume(throwing: error)
        }
        return true
    }

    /// The connection is gone: every pending call fails with "callback channel closed".
    func close() {
        let waiting = table.withLock { table in
            table.closed = true
            table.armed?.timer.cancel()
            table.armed = nil
            defer { table.waiting.removeAll() }
            return table.waiting
        }
        for (_, call) in waiting {
            call.continuation.resume(throwing: PeerError.channelClosed(method: call.method))
        }
    }

    var pendingCount: Int { table.withLock { $0.waiting.count } }

    // MARK: Deadlines

    private func arm(_ deadline: UInt64, in table: inout Table) {
        guard let scheduler, !table.closed else { return }
        table.armed?.timer.cancel()
        let timer = scheduler.schedule(deadline: deadline) { [weak self] in self?.expire() }
        table.armed = (deadline, timer)
    }

    /// Fails every call whose deadline has passed and re-arms for the next one.
    private func expire() {
        let now = MonotonicClock.nanoseconds()
        let expired = table.withLock { table -> [Waiting] in
            table.armed = nil
            var expired: [Waiting] = []
            var next: UInt64?
            for (id, call) in table.waiting {
                guard let deadline = call.deadline else { continue }
                if deadline <= now {
                    expired.append(call)
                    table.waiting[id] = nil
                } else if next.map({ deadline < $0 }) ?? true {
                    next = deadline
                }
            }
            if let next { arm(next, in: &table) }
            return expired
        }
        for call in expired {
            let seconds = call.timeout.map { Double(Self.nanoseconds($0)) / 1e9 } ?? 0
            call.continuation.resume(throwing: PeerError.timedOut(method: call.method, seconds: seconds))
        }
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
