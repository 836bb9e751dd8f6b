import CarGenerated
import CarMemory
import CarRPC

extension CarHandler {
    public func memoryAddFact(
        _ params: CarMethods.MemoryAddFact.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryAddFact.Result {
        do {
            return try context.session.effectiveMemory().addFact(
                subject: params.subject, body: params.body, kind: params.kind ?? "pattern",
                confidence: params.confidence ?? 1.0, id: params.factId, tags: params.tags ?? [], source: params.source)
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func memoryFactCount(
        _ params: CarMethods.MemoryFactCount.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryFactCount.Result {
        context.session.effectiveMemory().factCount
    }
}
