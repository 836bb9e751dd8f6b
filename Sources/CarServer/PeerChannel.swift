import CarIO
import CarRPC
import Synchronization

/// The server→client half of one connection (the seed's `WsChannel`): requests get `cb-N` ids,
/// wait in a table until the client's reply arrives, and all fail at once when the
/// connection closes, so a handler awaiting a callback never hangs on a dead peer.
///
/// Deadlines: a call with a timeout is entered in the connection's `DeadlineTable`, which
/// keeps one event-loop timer for all of them; a callback thus costs no task and no timer of
/// its own, which keeps the callback round trip short.
final class PeerChannel: RPCPeer {
    /// A client that never answers cannot make the table grow without limit.
    static let maxPendingCalls = 4096

    private struct Waiting {
        var method: String
        var continuation: CheckedContinuation<JSONValue, any Error>
        var deadline: DeadlineTable.Token?
    }

    private struct Table {
        var nextID: UInt64 = 1
        var waiting: [RPCID: Waiting] = [:]
        var closed = false
    }

    private let table = Mutex(Table())
    private let send: @Sendable (JSONValue) -> Void
    private let sendSerialized: (@Sendable ([UInt8]) -> Void)?
    private let deadlines: DeadlineTable?

    /// Without a deadline table, timeouts are not enforced (tests of routing alone). With
    /// `sendSerialized`, broadcasts go out as the bytes they were serialized to once.
    init(deadlines: DeadlineTable? = nil, sendSerialized: (@Sendable ([UInt8]) -> Void)? = nil,
         send: @escaping @Sendable (JSONValue) -> Void) {
        self.deadlines = deadlines
        self.sendSerialized = sendSerialized
        self.send = send
    }

    func nextCallID() -> RPCID {
        table.withLock { table -> RPCID in
            defer { table.nextID += 1 }
            return .string("cb-\(table.nextID)")
        }
    }

    func call(id: RPCID, method: String, params: JSONValue, timeout: Duration?) async throws -> JSONValue {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure: PeerError? = table.withLock { table in
                    if table.closed { return .channelClosed(method: method) }
                    if table.waiting.count >= Self.maxPendingCalls {
                        return .tooManyPending(method: method, limit: Self.maxPendingCalls)
                    }
                    if table.waiting[id] != nil {
                        return .malformedReply(method: method, detail: "callback id \(id) is already in flight")
                    }
                    // Registered under the lock, so the expiry cannot run before the entry exists.
                    let token = timeout.flatMap { timeout in
                        deadlines?.add(after: timeout) { [weak self] in self?.expire(id, method: method, after: timeout) }
                    }
                    table.waiting[id] = Waiting(method: method, continuation: continuation, deadline: token)
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
            if let token = waiting?.deadline { deadlines?.finish(token) }
            waiting?.continuation.resume(throwing: CancellationError())
        }
    }

    func notify(method: String, params: JSONValue) {
        guard !table.withLock({ $0.closed }) else { return }
        send(RPCMessage.notification(method: method, params: params))
    }

    func notify(_ encoded: EncodedNotification) {
        guard !table.withLock({ $0.closed }) else { return }
        if let sendSerialized { sendSerialized(encoded.bytes) } else { send(RPCMessage.notification(method: encoded.method, params: encoded.params)) }
    }

    /// A reply from the client. Ids we never issued (or already settled) are ignored, as the
    /// protocol's clients do with unsolicited frames. Returns false for an unknown id.
    @discardableResult
    func complete(id: RPCID, outcome: Result<JSONValue, RPCError>) -> Bool {
        guard let waiting = table.withLock({ $0.waiting.removeValue(forKey: id) }) else { return false }
        if let token = waiting.deadline { deadlines?.finish(token) }
        let continuation = waiting.continuation
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
            defer { table.waiting.removeAll() }
            return table.waiting
        }
        for (_, call) in waiting {
            call.continuation.resume(throwing: PeerError.channelClosed(method: call.method))
        }
    }

    var pendingCount: Int { table.withLock { $0.waiting.count } }

    // MARK: Deadlines

    /// The call's deadline passed with no reply: it fails with `timedOut`, and a late reply
    /// finds an unknown id.
    private func expire(_ id: RPCID, method: String, after timeout: Duration) {
        guard let waiting = table.withLock({ $0.waiting.removeValue(forKey: id) }) else { return }
        let seconds = Double(SaturatingTime.nanoseconds(timeout)) / 1e9
        waiting.continuation.resume(throwing: PeerError.timedOut(method: method, seconds: seconds))
    }
}
