/// The way back to the client on the other end of a connection: server→client requests
/// (answered by the client, awaited here) and notifications. Generated proxies give it types.
public protocol RPCPeer: Sendable {
    /// A fresh id for a server→client request. Callers that must put the id inside the
    /// params (`tools.execute` carries it as `request_id`) take one first and pass it to `call`.
    func nextCallID() -> RPCID
    /// Sends a request and waits for the client's answer. A JSON-RPC error from the client is
    /// thrown as `RPCError`; a closed connection as `PeerError.channelClosed`; no answer
    /// within `timeout` as `PeerError.timedOut`. Cancelling the calling task stops the wait
    /// and frees the call's slot.
    func call(id: RPCID, method: String, params: JSONValue, timeout: Duration?) async throws -> JSONValue
    func notify(method: String, params: JSONValue)
    /// Sends a notification serialized once for many peers (a broadcast), so fanning an
    /// event out to N connections costs one encoding, not N.
    func notify(_ encoded: EncodedNotification)
}

extension RPCPeer {
    /// Peers that cannot send raw bytes (test doubles) see an ordinary notification.
    public func notify(_ encoded: EncodedNotification) {
        notify(method: encoded.method, params: encoded.params)
    }

    public func call(method: String, params: JSONValue) async throws -> JSONValue {
        try await call(id: nextCallID(), method: method, params: params, timeout: nil)
    }
}

/// Local failures of a server→client call. They never go on the wire as codes of their own.
public enum PeerError: Error, Sendable, Hashable, CustomStringConvertible {
    case channelClosed(method: String)
    case timedOut(method: String, seconds: Double)
    case malformedReply(method: String, detail: String)
    /// As many calls as the channel holds are already waiting on the peer.
    case tooManyPending(method: String, limit: Int)

    public var description: String {
        switch self {
        case .channelClosed: "callback channel closed"
        case .timedOut(let method, let seconds): "\(method) callback timed out after \(seconds)s"
        case .malformedReply(let method, let detail): "malformed \(method) reply: \(detail)"
        case .tooManyPending(let method, let limit): "\(method) not sent: \(limit) callbacks are already waiting on this client"
        }
    }
}
