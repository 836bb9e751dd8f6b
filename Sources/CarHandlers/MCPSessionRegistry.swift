import CarJSON

/// The connected MCP sessions, as the rest of the daemon sees them (the seed's `mcp_sessions`):
/// enough to count them and push a server-initiated message to one. Installed once, with the
/// endpoint's URL, when the MCP listener is up.
public protocol MCPSessionRegistry: Sendable {
    var sessionCount: Int { get }
    /// Sends `message` on the session's server-to-client stream; false when it has none open.
    func push(_ message: JSONValue, toSession id: String) -> Bool
}
