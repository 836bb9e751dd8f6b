/// The MCP endpoint of a daemon: where it listens and its session bounds.
public struct MCPConfiguration: Sendable {
    public var http: HTTPServerConfig
    /// True when the address was asked for (`--mcp-bind`, `CAR_MCP_BIND`): failing to bind it
    /// stops the daemon. The default address only warns, so a second daemon on the machine
    /// still starts, without MCP.
    public var required: Bool
    public static let defaultMaxSessions = 256
    public var maxSessions = MCPConfiguration.defaultMaxSessions
    /// Seconds an MCP session may go unused before it ends (`CAR_MCP_SESSION_IDLE`).
    public var sessionIdleTimeout: Double = 1800

    public init(http: HTTPServerConfig, required: Bool) {
        self.http = http
        self.required = required
    }
}
