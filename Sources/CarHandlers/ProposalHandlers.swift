import CarEngine
import CarGenerated
import CarIR
import CarRPC
import CarVerifier

extension CarHandler {
    public func verify(
        _ params: CarMethods.Verify.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.Verify.Result {
        let tools = try context.session.runtime().tools.list()
        do {
            // The JSON entry point also reads each action's rollback claim (reversibility,
            // compensation), which the compensation check needs.
            return try Verifier.verify(json: params.proposal, initialState: params.initialState ?? [:], tools: tools).json
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func proposalSubmit(
        _ params: CarMethods.ProposalSubmit.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ProposalSubmit.Result {
        let proposal = try Self.readProposal(params.proposal)
        let runtime = try context.session.runtime()
        let invoker = ToolCallbackInvoker(client: context.client, sessionID: params.sessionId,
                                          defaultTimeout: state.config.toolTimeout, grace: state.config.callbackGrace)
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
