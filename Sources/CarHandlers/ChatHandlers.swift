import CarChat
import CarGenerated
import CarRPC
import CarSupervisor

/// `agents.chat*`, `agent.chat.event` and `goal.*`: decode, call CarChat through the relay,
/// encode. Which agent a turn goes to comes from the manifest (the supervisor) and the
/// attachments; every routing rule is CarChat's.
extension CarHandler {
    public func agentsChat(
        _ params: CarMethods.AgentsChat.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsChat.Result {
        let request = try ChatRelay.mapped { () throws(ChatError) in
            try ChatRequest(agentID: params.agentId, prompt: params.prompt, sessionID: params.sessionId, stream: params.stream ?? true,
                            model: params.model, attachments: params.attachments, goal: params.goal)
        }
        let agentClient = try attachedClient(of: request.agentID)
        let sessionID = try state.chat.open(request, host: context.session, agentClientID: agentClient)
        return .init(accepted: true, sessionId: sessionID)
    }

    public func agentsChatCancel(
        _ params: CarMethods.AgentsChatCancel.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsChatCancel.Result {
        .init(cancelled: try state.chat.cancel(sessionID: params.sessionId, by: context.session), sessionId: params.sessionId)
    }

    public func agentsChatApprove(
        _ params: CarMethods.AgentsChatApprove.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsChatApprove.Result {
        let resolved = try await state.chat.approve(sessionID: params.sessionId, approvalID: params.approvalId,
                                                    decision: params.decision, by: context.session)
        return .init(resolved: resolved, sessionId: params.sessionId)
    }

    public func agentsChatStatus(
        _ params: CarMethods.AgentsChatStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsChatStatus.Result {
        let chat = state.chat.sessions
        let drops = chat.dropCounts()
        return .init(delivered: chat.deliveredCount,
                     dropped: .init(unknownKind: drops[.unknownKind] ?? 0, unknownSession: drops[.unknownSession] ?? 0,
                                    wrongSender: drops[.wrongSender] ?? 0),
                     sessions: chat.all().map(\.json))
    }

    public func agentChatEvent(_ params: CarMethods.AgentChatEvent.Params, context: RPCContext<ClientSession>) throws {
        state.chat.relay(from: context.session.clientID, sessionID: params.sessionId, kind: params.kind, delta: params.delta)
    }

    public func goalSet(
        _ params: CarMethods.GoalSet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.GoalSet.Result {
        let request = try ChatRelay.mapped { () throws(ChatError) in
            try GoalSetRequest(sessionID: params.sessionId, goal: params.goal, check: params.check, maxIterations: params.maxIterations)
        }
        try state.chat.mayChangeGoals(context.session)
        let stored = try await state.chat.onPool { goals throws(ChatError) in try goals.set(sessionID: request.sessionID, goal: request.goal) }
        return .init(goal: stored.json, set: true)
    }

    public func goalStatus(
        _ params: CarMethods.GoalStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.GoalStatus.Result {
        let goals = state.chat.goals
        guard let sessionID = params.sessionId else { return .init(goals: goals.all().map(\.json)) }
        return .init(goal: goals.status(sessionID: sessionID)?.json ?? .null, sessionId: sessionID)
    }

    public func goalClear(
        _ params: CarMethods.GoalClear.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.GoalClear.Result {
        try state.chat.mayChangeGoals(context.session)
        guard let sessionID = params.sessionId else {
            let count = try await state.chat.onPool { goals throws(ChatError) in try goals.clearAll() }
            return .init(cleared: .int(Int64(count)))
        }
        let cleared = try await state.chat.onPool { goals throws(ChatError) in try goals.clear(sessionID: sessionID) }
        return .init(cleared: .bool(cleared), sessionId: sessionID)
    }

    /// The connection agent `id` is attached through; refused, saying which, when the manifest
    /// lacks it or nothing is attached as it.
    private func attachedClient(of id: String) throws -> String {
        guard let supervisor = state.supervisor else {
            throw CarErrors.internalError("this daemon supervises no agents, so it has no agent '\(id)' to chat with")
        }
        guard supervisor.role == .owner else {
            throw CarErrors.internalError("this car-server is observe-only for \(supervisor.manifestPath); chat with '\(id)' through the daemon that owns it")
        }
        guard supervisor.contains(agent: id) else {
            throw CarErrors.internalError("unknown agent '\(id)': it is not in the manifest \(supervisor.manifestPath)")
        }
        guard let client = state.attachments.client(ofAgent: id) else {
            throw CarErrors.internalError("agent '\(id)' is not attached: it is in the manifest but no connection has authenticated as it (session.auth {token, agent_id})")
        }
        return client
    }
}
