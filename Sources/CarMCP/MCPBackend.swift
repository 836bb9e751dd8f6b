import CarJSON
import CarRPC

/// What the MCP endpoint needs from the daemon: a daemon session per MCP session, and a way
/// to run a spec method in it under the same policy as every other caller (params
/// validation, approval gate, handler deadline). The endpoint knows nothing else of the
/// daemon, so it can be tested without one.
public protocol MCPBackend: Sendable {
    /// A daemon session for a new MCP session; nil when none can be made.
    func openSession(id: String) -> (any MCPBackendSession)?
    /// Runs `method` with `arguments` as its params. Cancelling the calling task cancels it.
    func call(method: String, arguments: JSONValue?, requestID: RPCID, in session: any MCPBackendSession) async -> Result<JSONValue, RPCError>
    /// The MCP session ended (DELETE, idle expiry, eviction, shutdown).
    func closeSession(_ session: any MCPBackendSession)
}

/// The daemon's side of one MCP session; opaque to the endpoint.
public protocol MCPBackendSession: AnyObject, Sendable {}
