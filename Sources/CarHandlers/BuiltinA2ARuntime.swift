import CarA2A
import CarEngine
import CarJSON

/// The default A2A runtime: the daemon's built-in agent tools (what `agents.register_basics`
/// enables), in a runtime of its own. It does not converse: text is acknowledged.
///
/// Who may run what: the daemon's side (a WebSocket session, or a bearer of the daemon's
/// token) runs every tool, a peer with a token of its own only the tools that read nothing of
/// this machine (its files hold the daemon's and the other peers' tokens). A tool that changes
/// files waits for a person's approval, raised in the caller's name, so the session that sent
/// the message can never be the one approving it.
struct BuiltinA2ARuntime: A2ARuntime {
    let builtins: BuiltinTools
    let approvals: HostApprovalGate

    /// What a peer may run: computation only, no file system.
    static let peerTools: Set<String> = ["calculate"]

    func tools() async -> [A2ATool] {
        BuiltinTools.schemas.map { A2ATool(name: $0.name, description: $0.description, inputSchema: $0.parameters) }
    }

    func execute(tool: String, parameters: JSONValue, context: A2AExecutionContext) async throws -> JSONValue {
        guard BuiltinTools.schema(named: tool) != nil else {
            throw A2AToolFailure("no tool named '\(tool)' (the built-in tools are \(BuiltinTools.names.joined(separator: ", ")))")
        }
        if context.caller.peerID != nil, !Self.peerTools.contains(tool) {
            throw A2AToolFailure("'\(tool)' is not offered to peers (a peer token runs \(Self.peerTools.sorted().joined(separator: ", ")))")
        }
        if BuiltinTools.isMutating(tool),
           let refusal = await approvals.refusalOfBuiltinTool(tool, parameters: parameters, clientID: Self.requester(context.caller),
                                                              actionID: context.taskID) {
            throw A2AToolFailure(refusal)
        }
        try Task.checkCancellation()
        return try A2AToolFailure.result(of: await builtins.run(tool, parameters: parameters), tool: tool)
    }

    func converse(text: String, context: A2AExecutionContext) async throws -> String? { nil }

    /// Whose request an approval is: the session's own id (it cannot resolve what it raised),
    /// else the A2A listener's, or the peer's.
    static func requester(_ caller: A2ACaller) -> String {
        switch caller {
        case .daemon(let session?): session
        case .daemon(nil): "a2a"
        case .peer(let id): "a2a-peer:\(id)"
        }
    }
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
