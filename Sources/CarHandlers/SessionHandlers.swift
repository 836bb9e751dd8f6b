import CarGenerated
import CarMemory
import CarRPC

extension CarHandler {
    public func sessionAuth(
        _ params: CarMethods.SessionAuth.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SessionAuth.Result {
        let session = context.session
        if case .agent(let bound) = session.gate.snapshot.role {
            // An agent's identity holds for its connection's life: its claim, its memory and
            // the chat routed to it must never change hands on a live connection.
            guard params.agentId == bound, let token = params.token, let expected = state.supervisor?.token(forAgent: bound),
                  ConstantTime.equals(token, expected) else {
                throw Self.authFailed("this connection is bound to agent '\(bound)'; open a new connection to authenticate otherwise")
            }
            return .init(agentId: bound, authEnabled: state.authEnabled, memoryNamespace: session.boundMemoryNamespace, ok: true)
        }
        if let agentID = params.agentId { return try await attachAgent(agentID, params, session) }
        guard let expected = state.config.authToken else {
            // Auth disabled: accept anything so clients that always authenticate keep one code path.
            let namespace = try await bindNamespace(params, session)
            session.gate.authenticate(as: .session)
            return .init(authEnabled: false, memoryNamespace: namespace, ok: true)
        }
        if let hostToken = params.hostToken {
            guard let hostExpected = state.config.hostToken, ConstantTime.equals(hostToken, hostExpected) else {
                throw Self.authFailed("host token mismatch")
            }
            let namespace = try await bindNamespace(params, session)
            session.gate.authenticate(as: .host)
            return .init(authEnabled: true, memoryNamespace: namespace, ok: true, role: "host")
        }
        guard let token = params.token else {
            throw Self.authFailed("missing token")
        }
        guard ConstantTime.equals(token, expected) else {
            throw Self.authFailed("token mismatch")
        }
        // The namespace is bound first: a call that fails answers an error and grants nothing.
        let namespace = try await bindNamespace(params, session)
        session.gate.authenticate(as: .session)
        return .init(authEnabled: true, memoryNamespace: namespace, ok: true)
    }

    /// `session.auth {token, agent_id}`: the token is checked against that agent's own token
    /// (minted by the supervisor at upsert), never the daemon's, so the daemon token cannot
    /// bind an identity and one agent's token cannot bind another. With auth disabled the
    /// identity is still checked: the binding decides whose memory the connection gets.
    private func attachAgent(_ agentID: String, _ params: CarMethods.SessionAuth.Params, _ session: ClientSession) async throws -> CarMethods.SessionAuth.Result {
        guard let supervisor = state.supervisor, let expected = supervisor.token(forAgent: agentID) else {
            throw Self.authFailed("unknown agent '\(agentID)': no supervised agent has that id")
        }
        // Only the daemon that supervises an agent owns its memory log: two daemons appending
        // to one log would interleave it.
        guard supervisor.role == .owner else {
            throw Self.authFailed("this car-server is observe-only for \(supervisor.manifestPath); attach agent '\(agentID)' to the daemon that owns it")
        }
        guard let token = params.token, ConstantTime.equals(token, expected) else {
            throw Self.authFailed("agent token mismatch for '\(agentID)'")
        }
        do {
            try state.attach(agentID: agentID, session: session)
        } catch {
            throw Self.authFailed(error.description)
        }
        do {
            // Closed while this ran: its disconnect already released claims, so this one would
            // be held forever.
            if session.isClosed { throw Self.authFailed("the connection closed") }
            // The namespace, when given too, decides the memory scope; the agent binding still
            // governs identity.
            let namespace = try await bindNamespace(params, session)
            if namespace == nil { try await session.bindAgentMemory(agentID) }
            session.gate.authenticate(as: .agent(id: agentID))
            return .init(agentId: agentID, authEnabled: state.authEnabled, memoryNamespace: namespace, ok: true)
        } catch {
            // Nothing granted: the claim goes with the failed call.
            state.detach(clientID: session.clientID)
            throw (error as? RPCError) ?? RPCError(code: CarErrors.internalErrorCode, message: "agent memory: \(error)")
        }
    }

    /// `memory_namespace` binds the now-authenticated connection to that namespace's graph
    /// (loaded from its snapshot on first use); the result echoes it.
    /// A name whose snapshot file name would not fit `NAME_MAX` is the caller's mistake: -32602.
    private func bindNamespace(_ params: CarMethods.SessionAuth.Params, _ session: ClientSession) async throws -> String? {
        guard let name = params.memoryNamespace, !name.isEmpty else { return nil }
        do {
            try await session.bindMemoryNamespace(name)
        } catch let invalid as NamespaceFileName.Invalid {
            throw CarErrors.invalidParams(invalid.description)
        } catch {
            throw RPCError(code: CarErrors.internalErrorCode, message: "memory namespace: \(error)")
        }
        return name
    }

    /// The protocol document's wording: a generic -32603 whose message starts "auth failed:";
    /// the official client adds a hint when it sees "token mismatch".
    static func authFailed(_ reason: String) -> RPCError {
        RPCError(code: CarErrors.internalErrorCode, message: "auth failed: \(reason)")
    }
}
