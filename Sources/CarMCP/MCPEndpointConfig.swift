/// The MCP endpoint's knobs.
public struct MCPEndpointConfig: Sendable {
    /// The bearer token every request must carry; nil with `--no-auth`.
    public var authToken: String?
    /// Sessions held at once; past it the least recently used idle one is ended (its client
    /// gets 404 and initializes again), or, when every one is busy, the new one is refused.
    public var maxSessions = 256
    /// A session unused for this long (seconds) ends (`CAR_MCP_SESSION_IDLE`).
    public var sessionIdleTimeout: Double = 1800
    /// Calls running at once in one session; more are answered with an error at once.
    public var maxCallsPerSession = 64
    /// Past this size a request body is parsed on the blocking-work pool.
    public var largeBodyBytes = 256 << 10
    /// `serverInfo` of the initialize result.
    public var serverName = "car-server"
    public var serverVersion: String
    /// The executor calls run on (the event loop, so replies batch with socket writes); nil
    /// uses the global pool.
    public var executor: (any TaskExecutor)?

    public init(authToken: String?, serverVersion: String) {
        self.authToken = authToken
        self.serverVersion = serverVersion
    }
}
