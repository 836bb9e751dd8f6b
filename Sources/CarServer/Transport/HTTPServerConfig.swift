import CarHTTP

/// One HTTP listener's address and the limits that keep a client from costing it unbounded
/// memory or time. Every HTTP endpoint of the daemon (MCP, and later the dashboard and A2A)
/// is served through one of these.
public struct HTTPServerConfig: Sendable {
    public var bindHost: String
    /// 0 picks an ephemeral port; the bound one is reported by `start()`.
    public var port: Int
    public var requestLimits = HTTPRequestLimits()
    /// Connections beyond this are closed as soon as they are accepted.
    public var maxConnections = 1024
    /// Bytes queued for a client that is not reading (a stalled event stream) before it is
    /// disconnected.
    public var maxOutboundBytes = 64 << 20
    /// How long a connection may sit without sending a byte between requests or inside one,
    /// and how long a response may wait for a client that does not read (`CAR_HTTP_IDLE_TIMEOUT`).
    public var idleTimeout: Double = 60
    /// How long one request may take to arrive from its first byte, however it trickles in:
    /// the bound on a slow-loris client (`CAR_HTTP_REQUEST_TIMEOUT`).
    public var requestTimeout: Double = 30
    /// An event stream with nothing to say for this long gets a comment line, so the client
    /// and anything between can tell a quiet stream from a dead one.
    public var heartbeatInterval: Double = 15
    /// Which browser pages may call in (the `Origin` header); requests without one are not
    /// from browsers and are unaffected.
    public var origins = OriginPolicy()

    public init(bindHost: String = "127.0.0.1", port: Int) {
        self.bindHost = bindHost
        self.port = port
    }
}
