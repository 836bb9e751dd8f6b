import CarJSON

/// One invocation of a client-implemented tool: what a `tools.execute` callback carries.
public struct ToolCall: Sendable, Hashable {
    public var actionID: String
    public var tool: String
    /// The action's parameters after `$<id>.output` interpolation; always an object.
    public var parameters: JSONValue
    /// The action's `timeout_ms`, for the invoker to enforce (and to pass on to the client).
    public var timeoutMs: UInt64?
    /// 1 on the first try, 2 on the first retry, and so on.
    public var attempt: UInt32

    public init(actionID: String, tool: String, parameters: JSONValue, timeoutMs: UInt64?, attempt: UInt32) {
        self.actionID = actionID
        self.tool = tool
        self.parameters = parameters
        self.timeoutMs = timeoutMs
        self.attempt = attempt
    }
}

/// How an invocation ended.
public enum ToolOutcome: Sendable, Hashable {
    /// The tool answered. An object with an `"error"` member still counts as a tool error.
    case success(JSONValue)
    /// The tool (or the client) reported an error.
    case failure(String)
    /// No answer within the deadline; the message says which.
    case timedOut(String)
    /// The way to the client is gone: nothing more can run, so the proposal ends at once.
    case channelClosed
}

/// How tools actually run. The runtime knows nothing of the transport: over the WebSocket the
/// integrator sends `tools.execute` to the client and waits for the answer, enforcing
/// `timeoutMs` (sending `tools.cancel` when it expires) and returning `.channelClosed` at once
/// when the connection goes away.
public protocol ToolInvoker: Sendable {
    func invoke(_ call: ToolCall) async -> ToolOutcome
}
