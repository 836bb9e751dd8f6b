/// A `text/event-stream` response written as it goes: `head`, then `event` per event, then
/// `end`. To an HTTP/1.1 client the body is chunked, so the stream can end and the
/// connection carry the next request; an HTTP/1.0 client cannot read chunks, so its stream
/// is delimited by closing the connection (`Connection: close`, raw event bytes, `end` is
/// empty and the caller closes).
public struct SSEStream: Sendable, Equatable {
    public enum Framing: Sendable, Equatable {
        case chunked
        case untilClose
    }

    public let framing: Framing
    /// Whether the connection may carry another request once `end` is written.
    public let keepAlive: Bool

    public init(framing: Framing, keepAlive: Bool = true) {
        self.framing = framing
        self.keepAlive = framing == .chunked && keepAlive
    }

    /// The framing a request allows, keeping its keep-alive wish.
    public init(for request: HTTPRequestHead) {
        self.init(framing: request.version == .http1_1 ? .chunked : .untilClose, keepAlive: request.keepAlive)
    }

    /// Status line and headers: `Content-Type: text/event-stream`, `Cache-Control: no-cache`,
    /// no Content-Length, and the framing's Transfer-Encoding or Connection. The caller's
    /// headers (`Mcp-Session-Id`, say) come first; their Content-Type, Content-Length,
    /// Transfer-Encoding and Cache-Control are replaced.
    public func head(status: Int = 200, headers: HTTPHeaders = HTTPHeaders()) -> [UInt8] {
        var headers = headers
        headers.remove("Content-Length")
        headers.remove("Transfer-Encoding")
        headers.set("Content-Type", "text/event-stream")
        headers.set("Cache-Control", "no-cache")
        switch framing {
        case .chunked:
            headers.add("Transfer-Encoding", "chunked")
            if !keepAlive { headers.set("Connection", "close") }
        case .untilClose:
            headers.set("Connection", "close")
        }
        return HTTPResponseHead.encode(status: status, headers: headers)
    }

    /// One event, framed for the stream.
    public func event(_ event: SSEEvent) -> [UInt8] {
        let bytes = event.encoded()
        return framing == .chunked ? ChunkedEncoding.chunk(bytes) : bytes
    }

    /// Several events in one chunk (one write).
    public func events(_ events: [SSEEvent]) -> [UInt8] {
        let bytes = events.flatMap { $0.encoded() }
        return framing == .chunked ? ChunkedEncoding.chunk(bytes) : bytes
    }

    /// What ends the body: the zero chunk, or nothing (the caller closes the connection).
    public func end() -> [UInt8] {
        framing == .chunked ? ChunkedEncoding.last : []
    }
}
