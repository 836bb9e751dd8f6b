/// The bounds of every outbound A2A call. A peer is untrusted input: it may answer slowly,
/// endlessly, or with a body larger than memory, so each of these ends the call instead.
public struct A2AClientLimits: Sendable, Equatable {
    /// Deadline of one request with its redirects (connect, hops, whole body), for a
    /// non-blocking send and a card fetch.
    public var requestTimeout: Duration
    /// The same for a blocking send: the peer answers only when the task settles.
    public var blockingTimeout: Duration
    /// Bytes of a response body, counted while it arrives; past it the transfer is cancelled.
    public var maxResponseBytes: Int
    /// Bytes of a request body we send.
    public var maxRequestBytes: Int
    /// Outbound calls in flight at once, across all callers of one client; past it a call is refused.
    public var maxConcurrentCalls: Int
    /// Redirects followed in one call.
    public var maxRedirects: Int
    /// Bytes of an endpoint URL.
    public var maxEndpointLength: Int
    /// A peer's error message is cut to this many characters before it reaches our caller.
    public var maxPeerMessageLength: Int
    /// A peer's error `data` is kept only when its JSON is at most this long.
    public var maxPeerErrorDataBytes: Int

    public init(
        requestTimeout: Duration = .seconds(60),
        blockingTimeout: Duration = .seconds(300),
        maxResponseBytes: Int = 8 << 20,
        maxRequestBytes: Int = 8 << 20,
        maxConcurrentCalls: Int = 32,
        maxRedirects: Int = 5,
        maxEndpointLength: Int = 2048,
        maxPeerMessageLength: Int = 1024,
        maxPeerErrorDataBytes: Int = 4096
    ) {
        self.requestTimeout = requestTimeout
        self.blockingTimeout = blockingTimeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxConcurrentCalls = maxConcurrentCalls
        self.maxRedirects = maxRedirects
        self.maxEndpointLength = maxEndpointLength
        self.maxPeerMessageLength = maxPeerMessageLength
        self.maxPeerErrorDataBytes = maxPeerErrorDataBytes
    }
}
