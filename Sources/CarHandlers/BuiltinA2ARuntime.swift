import CarA2A
import CarEngine
import CarJSON

/// The default A2A runtime: the daemon's built-in agent tools (what `agents.register_basics`
/// enables), in a runtime of its own. A tool that changes files waits for a person's approval
/// as it would on a connection; the peer that asked can never be the one approving, since it
/// has no session to approve from. It does not converse: text is acknowledged.
struct BuiltinA2ARuntime: A2ARuntime {
    let builtins: BuiltinTools
    let approvals: HostApprovalGate

    func tools() async -> [A2ATool] {
        BuiltinTools.schemas.map { A2ATool(name: $0.name, description: $0.description, inputSchema: $0.parameters) }
    }

    func execute(tool: String, parameters: JSONValue, context: A2AExecutionContext) async throws -> JSONValue {
        guard BuiltinTools.schema(named: tool) != nil else {
            throw A2AToolFailure("no tool named '\(tool)' (the built-in tools are \(BuiltinTools.names.joined(separator: ", ")))")
        }
        if BuiltinTools.isMutating(tool),
           let refusal = await approvals.refusalOfBuiltinTool(tool, parameters: parameters, clientID: "a2a", actionID: context.taskID) {
            throw A2AToolFailure(refusal)
        }
        try Task.checkCancellation()
        return try A2AToolFailure.result(of: await builtins.run(tool, parameters: parameters), tool: tool)
    }

    func converse(text: String, context: A2AExecutionContext) async throws -> String? { nil }
}

/// A tool's failure, as the task's status message.
struct A2AToolFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }

    static func result(of outcome: ToolOutcome, tool: String) throws -> JSONValue {
        switch outcome {
        case .success(let value): return value
        case .failure(let message): throw A2AToolFailure(message)
        case .timedOut(let message): throw A2AToolFailure(message)
        case .channelClosed: throw A2AToolFailure("the connection serving '\(tool)' closed")
        }
    }
}
