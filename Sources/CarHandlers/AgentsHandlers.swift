import CarGenerated
import CarRPC
import CarSupervisor

/// `agents.*`: decode, call the supervisor, encode. The supervisor owns every rule (the
/// manifest, the lock, the status machine); these only map its answers and refusals.
extension CarHandler {
    public func agentsList(
        _ params: CarMethods.AgentsList.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsList.Result {
        try await supervised { try await $0.list().map { attached($0).json } }
    }

    public func agentsUpsert(
        _ params: CarMethods.AgentsUpsert.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsUpsert.Result {
        try await supervised { supervisor in
            let spec = try AgentSpec(json: params)
            return attached(try await supervisor.upsert(spec)).json
        }
    }

    public func agentsRemove(
        _ params: CarMethods.AgentsRemove.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsRemove.Result {
        try await supervised { .init(removed: try await $0.remove(id: params.id)) }
    }

    public func agentsHealth(
        _ params: CarMethods.AgentsHealth.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsHealth.Result {
        try await supervised { try await $0.health().map(\.json) }
    }

    public func agentsStart(
        _ params: CarMethods.AgentsStart.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsStart.Result {
        try await supervised { attached(try await $0.start(id: params.id)).json }
    }

    public func agentsStop(
        _ params: CarMethods.AgentsStop.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsStop.Result {
        try await supervised { attached(try await $0.stop(id: params.id, kill: params.signal == .kill)).json }
    }

    public func agentsRestart(
        _ params: CarMethods.AgentsRestart.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsRestart.Result {
        try await supervised { attached(try await $0.restart(id: params.id)).json }
    }

    public func agentsWait(
        _ params: CarMethods.AgentsWait.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsWait.Result {
        let targets = Set((params.targets ?? [.running]).compactMap { AgentStatus(rawValue: $0.rawValue) })
        // Bounded below the handler deadline, so the caller hears WaitTimeout, not -32004.
        let seconds = min(max(params.timeoutSecs ?? 30, 0), 1700)
        return try await supervised { attached(try await $0.wait(id: params.id, targets: targets, timeout: .milliseconds(Int64(seconds * 1000)))).json }
    }

    public func agentsTailLog(
        _ params: CarMethods.AgentsTailLog.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsTailLog.Result {
        let lines = params.n ?? params.lines ?? 100
        return try await supervised {
            try await $0.tailLog(id: params.id, lines: lines, offset: params.offset ?? 0, stream: params.stream?.rawValue ?? "combined").json
        }
    }

    /// The agent with its attachment, which the daemon's connections (not the supervisor) know.
    private func attached(_ agent: ManagedAgent) -> ManagedAgent {
        var agent = agent
        agent.sessionID = state.attachments.client(ofAgent: agent.spec.id)
        agent.attached = agent.sessionID != nil
        return agent
    }

    /// Runs `body` against the installed supervisor, mapping its refusals: a spec that breaks a
    /// rule is the caller's mistake (-32602); everything else (observe-only, not found, a wait
    /// that timed out, a file that could not be written) is -32603 with the supervisor's words,
    /// as the reference daemon answers.
    private func supervised<T>(_ body: (Supervisor) async throws -> T) async throws -> T {
        guard let supervisor = state.supervisor else {
            throw RPCError(code: CarErrors.internalErrorCode, message: "the agent supervisor is not running in this daemon")
        }
        do {
            return try await body(supervisor)
        } catch let error as AgentError {
            if error.kind == .invalidSpec { throw CarErrors.invalidParams(error.description) }
            throw RPCError(code: CarErrors.internalErrorCode, message: error.description)
        }
    }
}
