import CarJSON

/// One event of a streaming method's answer, for the transport to send as an SSE event: a
/// JSON-RPC `result` in the request's version, or an error. After a `.failure` the stream ends.
public enum A2AStreamEvent: Sendable, Equatable {
    case result(JSONValue)
    case failure(A2AError)
}
