import CarEngine
import CarJSON

/// How a proposal's tool calls run on one connection: a built-in tool the session enabled
/// (`agents.register_basics`) runs in the daemon, after a person's approval when it changes
/// files; every other tool goes to the client as a `tools.execute` callback, as before.
struct SessionToolInvoker: ToolInvoker {
    let runtime: Runtime
    let builtins: BuiltinTools
    let approvals: HostApprovalGate
    let clientID: String
    let remote: ToolCallbackInvoker

    func invoke(_ call: ToolCall) async -> ToolOutcome {
        guard runtime.builtins.runsInProcess(call.tool, registry: runtime.tools) else { return await remote.invoke(call) }
        if BuiltinTools.isMutating(call.tool),
           let refusal = await approvals.refusalOfBuiltinTool(call.tool, parameters: call.parameters, clientID: clientID, actionID: call.actionID) {
            return .failure(refusal)
        }
        return await builtins.run(call.tool, parameters: call.parameters)
    }
}
