import CarA2A
import CarEngine
import CarGenerated
import CarJSON

/// The A2A runtime of `a2a.start {share_session_runtime: true}`: the starting connection's
/// registered tools, run as they would be for its own proposals (a built-in it enabled in the
/// daemon, after approval when it changes files; any other tool through its `tools.execute`
/// callback), and its `agent.chat` handler for conversation. A peer with a token of its own
/// runs the session's tools but of the in-process built-ins only what peers get anywhere.
struct SessionA2ARuntime: A2ARuntime {
    let session: ClientSession
    let builtins: BuiltinTools
    let approvals: HostApprovalGate
    let toolTimeout: Duration
    let grace: Duration
    let conversation: A2ASessionConversation

    func tools() async -> [A2ATool] {
        guard let runtime = try? session.runtime() else { return [] }
        return runtime.tools.list().map { A2ATool(name: $0.name, description: $0.description, inputSchema: $0.parameters) }
    }

    func execute(tool: String, parameters: JSONValue, context: A2AExecutionContext) async throws -> JSONValue {
        let runtime = try session.runtime()
        guard runtime.tools.schema(named: tool) != nil else {
            throw A2AToolFailure("no tool named '\(tool)' is registered on the serving connection")
        }
        // A built-in the session enabled runs in this process: a peer gets only what the
        // built-in runtime offers peers (the files hold the daemon's tokens). The session's own
        // tools are its to offer.
        if context.caller.peerID != nil, runtime.builtins.runsInProcess(tool, registry: runtime.tools), !BuiltinA2ARuntime.peerTools.contains(tool) {
            throw A2AToolFailure("'\(tool)' is not offered to peers (a peer token runs the built-ins \(BuiltinA2ARuntime.peerTools.sorted().joined(separator: ", ")))")
        }
        let remote = ToolCallbackInvoker(client: CarClientProxy(peer: session.peer), sessionID: nil, defaultTimeout: toolTimeout, grace: grace)
        // Approvals in the caller's name: the serving session may approve a peer's request,
        // never its own.
        let invoker = SessionToolInvoker(runtime: runtime, builtins: builtins, approvals: approvals,
                                         clientID: BuiltinA2ARuntime.requester(context.caller), remote: remote)
        let call = ToolCall(actionID: "a2a-\(context.taskID)", tool: tool, parameters: parameters.objectValue == nil ? .object([:]) : parameters,
                            timeoutMs: nil, attempt: 1)
        let outcome = await invoker.invoke(call)
        try Task.checkCancellation()
        return try A2AToolFailure.result(of: outcome, tool: tool)
    }

    func converse(text: String, context: A2AExecutionContext) async throws -> String? {
        try await conversation.reply(to: text, contextID: context.contextID, session: session)
    }
}
