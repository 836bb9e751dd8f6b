import CarIR
import CarJSON

extension Verifier {
    /// Verifies a proposal as a client sent it. Unlike the model entry point this also reads
    /// each action's `reversibility` and `compensation`, which `CarIR.Action` does not carry,
    /// so the compensation check sees them.
    public static func verify(
        json proposal: JSONValue, initialState: [String: JSONValue] = [:], tools: [ToolSchema]? = nil, maxActions: Int = 30
    ) throws(ProposalError) -> VerificationReport {
        let model = try ActionProposal(json: proposal)
        var claims: [RollbackClaim] = []
        let actions = proposal["actions"]?.arrayValue ?? []
        claims.reserveCapacity(actions.count)
        for (index, action) in actions.enumerated() {
            claims.append(try RollbackClaim(json: action, path: "proposal.actions[\(index)]"))
        }
        return verify(model, rollback: claims, initialState: initialState, tools: tools, maxActions: maxActions)
    }
}
