import CarEngine
import CarGenerated
import CarIO
import CarIR
import CarRPC
import CarVerifier

extension CarHandler {
    public func verify(
        _ params: CarMethods.Verify.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.Verify.Result {
        let tools = try context.session.runtime().tools.list()
        // Verification costs time that grows with the proposal (conflicts are quadratic in
        // writes to one key), so it runs off the event loop, on the daemon's own worker
        // threads (not Swift's shared pool, which blocking callers can exhaust), and the loop
        // keeps serving other connections meanwhile.
        let outcome = try await BlockingPool.compute.run { () -> Result<JSONValue, any Error> in
            Result {
                // The JSON entry point also reads each action's rollback claim (reversibility,
                // compensation), which the compensation check needs.
                try Verifier.verify(json: params.proposal, initialState: params.initialState ?? [:], tools: tools).json
            }
        }
        switch outcome {
        case .success(let report): return report
        case .failure(let error): throw CarErrors.invalidParams(String(describing: error))
        }
    }

    public func proposalSubmit(
        _ params: CarMethods.ProposalSubmit.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ProposalSubmit.Result {
        let proposal = try Self.readProposal(params.proposal)
        let runtime = try context.session.runtime()
        let callbacks = ToolCallbackInvoker(client: context.client, sessionID: params.sessionId,
                                            defaultTimeout: state.config.toolTimeout, grace: state.config.callbackGrace)
        let invoker = SessionToolInvoker(runtime: runtime, builtins: BuiltinTools(),
                                         approvals: HostApprovalGate(host: state.host, config: state.config.approvalGate),
                                         clientID: context.session.clientID, remote: callbacks)
        let scope = params.scope.map { RuntimeScope(callerID: $0.callerId, tenantID: $0.tenantId, claims: $0.claims.map(JSONValue.object)) }
        do {
            try runtime.admit(proposal, session: params.sessionId)
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
        return await runtime.execute(proposal, session: params.sessionId, scope: scope, invoker: invoker).json
    }

    /// The proposal as the runtime reads it; a malformed one is -32602 naming the field.
    static func readProposal(_ json: JSONValue) throws -> ActionProposal {
        do {
            return try ActionProposal(json: json)
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
    }
}
