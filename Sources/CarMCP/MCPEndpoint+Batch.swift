import CarHTTP
import CarJSON
import CarRPC
import Synchronization

/// JSON-RPC batches, which the 2025-03-26 revision requires a server to take and later ones
/// removed. Elements run in order, one at a time; the answer is the array of responses to its
/// requests, or 202 when it held none.
extension MCPEndpoint {
    /// More elements than this are refused whole.
    static let maxBatchLength = 100

    func batch(_ elements: [RPCInbound], _ accept: MCPAccept, _ exchange: any HTTPExchange) {
        guard let session = session(for: exchange) else { return }
        func refuse(_ message: String) {
            exchange.respond(MCPResponses.error(status: 400, id: nil, code: RPCErrorCode.invalidRequest, message: "invalid request: \(message)"))
        }
        guard session.protocolVersion == "2025-03-26" else {
            return refuse("batches are part of MCP 2025-03-26 only; this session speaks \(session.protocolVersion): send one message per POST")
        }
        guard !elements.isEmpty else { return refuse("an empty batch") }
        guard elements.count <= Self.maxBatchLength else { return refuse("a batch holds at most \(Self.maxBatchLength) messages (got \(elements.count))") }
        if elements.contains(where: { if case .request(_, "initialize", _) = $0 { true } else { false } }) {
            return refuse("initialize cannot be part of a batch")
        }
        let progress = BatchProgress()
        exchange.onCancel { progress.cancel() }
        Task(executorPreference: config.executor) { [self] in
            var responses: [JSONValue] = []
            for element in elements {
                guard !progress.isCancelled else { return }
                switch element {
                case .request(let id, let method, let params):
                    let message: JSONValue? = await withCheckedContinuation { continuation in
                        progress.running(respond(to: id, method: method, params: params, in: session) { continuation.resume(returning: $0) })
                    }
                    guard let message else {
                        exchange.respond(Self.sessionNotFound)
                        return
                    }
                    responses.append(message)
                case .notification(let method, let params):
                    notification(method, params, session)
                case .response:
                    continue
                case .invalid(let id, let error):
                    responses.append(RPCMessage.error(id: id, error))
                }
            }
            if responses.isEmpty {
                exchange.respond(MCPResponses.accepted)
            } else {
                answer(.array(responses), accept, exchange)
            }
        }
    }
}

/// The call a batch is waiting on, so the client's going away cancels it and the rest.
final class BatchProgress: Sendable {
    private let state = Mutex<(call: MCPCall?, cancelled: Bool)>((nil, false))

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func running(_ call: MCPCall?) {
        let cancelled = state.withLock { state -> Bool in
            state.call = call
            return state.cancelled
        }
        if cancelled { call?.cancel() }
    }

    func cancel() {
        let call = state.withLock { state -> MCPCall? in
            state.cancelled = true
            return state.call
        }
        call?.cancel()
    }
}
