/// One request and the means to answer it, as a route handler sees it. The transport owns the
/// socket; a handler only answers, once, from any thread: with a complete response, or by
/// opening an event stream that it feeds and ends.
///
/// A request dies with its connection: `onCancel` runs (once, on whichever thread notices)
/// when the client goes before the exchange is complete, so the handler can stop its work.
/// Answering a cancelled exchange does nothing.
public protocol HTTPExchange: AnyObject, Sendable {
    var request: HTTPRequest { get }
    /// The peer's address, for logs.
    var peerDescription: String { get }
    /// Sends a complete response and ends the exchange.
    func respond(_ response: HTTPResponse)
    /// Starts a `text/event-stream` response with these headers and status 200; nil when the
    /// exchange is already answered or gone.
    func openEventStream(headers: HTTPHeaders) -> (any HTTPEventSink)?
    /// Runs `body` when the connection goes before the exchange completes; at once when it
    /// already has.
    func onCancel(_ body: @escaping @Sendable () -> Void)
}

/// The writing end of an event stream. Events are queued on the connection's bounded outbound
/// buffer: a client that stops reading is disconnected rather than buffered without end.
public protocol HTTPEventSink: AnyObject, Sendable {
    /// False once the stream ended or its connection went.
    var isOpen: Bool { get }
    func send(_ events: [SSEEvent])
    /// Ends the stream (and the exchange); the connection may carry the next request.
    func end()
}

/// Serves the requests a route table sends it. Called on the transport's thread, which must
/// never block: anything that waits or grows with the input runs elsewhere.
public protocol HTTPRouteHandler: Sendable {
    func handle(_ exchange: any HTTPExchange)
}
