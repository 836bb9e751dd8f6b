import CarRPC
import Synchronization

/// The server→client half of one connection (the seed's `WsChannel`): requests get `cb-N` ids,
/// wait in a table until the client's reply arrives, and all fail at once when the
/// connection closes, so a handler awaiting a callback never hangs on a dead peer.
final class PeerChannel: RPCPeer {
    /// A client that never answers cannot make the table grow without limit.
    static let maxPendingCalls = 4096

    private struct Table {
        var nextID: UInt64 = 1
        var waiting: [RPCID: (method: String, continuation: CheckedContinuation<JSONValue, any Error>)] = [:]
        var closed = false
    }

    private let table = Mutex(Table())
    private let send: @Sendable (JSONValue) -> Void

    init(send: @escaping @Sendable (JSONValue) -> Void) {
        self.send = send
    }

    func nextCallID() -> RPCID {
        table.withLock { table -> RPCID in
            defer { table.nextID += 1 }
            return .string("cb-\(table.nextID)")
        }
    }

    func call(id: RPCID, method: String, params: JSONValue) async throws -> JSONValue {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure: PeerError? = table.withLock { table in
                    if table.closed { return .channelClosed(method: method) }
                    if table.waiting.count >= Self.maxPendingCalls {
                        return .malformedReply(method: method, detail: "too many callbacks in flight")
                    }
                    if table.waiting[id] != nil {
                        return .malformedReply(method: method, detail: "callback id \(id) is already in flight")
                    }
                    table.waiting[id] = (method, continuation)
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                    return
                }
                send(RPCMessage.request(id: id, method: method, params: params))
            }
        } onCancel: {
            // The caller gave up (timeout, proposal aborted): release the slot now rather than
            // when a late reply arrives, which it may never do.
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
            defer { table.waiting.removeAll() }
            return table.waiting
        }
        for (_, call) in waiting {
            call.continuation.resume(throwing: PeerError.channelClosed(method: call.method))
        }
    }

    var pendingCount: Int { table.withLock { $0.waiting.count } }
}
