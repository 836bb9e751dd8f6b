import CarGenerated
import CarRPC

/// `evolution.*`: the self-evolution governor, which plans and runs inference-driven changes.
/// Without an inference engine there is nothing honest to plan with, so both answer that.
extension CarHandler {
    public func evolutionPlan(
        _ params: CarMethods.EvolutionPlan.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.EvolutionPlan.Result {
        throw Self.noInferenceEngine
    }

    public func evolutionRun(
        _ params: CarMethods.EvolutionRun.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.EvolutionRun.Result {
        throw Self.noInferenceEngine
    }
}
