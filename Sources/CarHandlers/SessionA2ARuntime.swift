import CarA2A
import CarEngine
import CarGenerated
import CarJSON

/// The A2A runtime of `a2a.start {share_session_runtime: true}`: the starting connection's
/// registered tools, run as they would be for its own proposals (a built-in it enabled in the
/// daemon, after approval when it changes files; any other tool through its `tools.execute`
/// callback), and its `agent.chat` handler for conversation.
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
        let remote = ToolCallbackInvoker(client: CarClientProxy(peer: session.peer), sessionID: nil, defaultTimeout: toolTimeout, grace: grace)
        let invoker = SessionToolInvoker(runtime: runtime, builtins: builtins, approvals: approvals, clientID: session.clientID, remote: remote)
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
