import CarEngine
import CarGenerated
import CarIR
import CarRPC

extension CarHandler {
    public func toolsRegister(
        _ params: CarMethods.ToolsRegister.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ToolsRegister.Result {
        do {
            return try context.session.runtime().tools.register(params.map(ToolSchema.init(wire:)))
        } catch let error as ToolRegistryError {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func toolsList(
        _ params: CarMethods.ToolsList.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ToolsList.Result {
        let tools = try context.session.runtime().tools.list()
        return .init(count: tools.count, tools: tools.map(\.wire))
    }

    public func toolsUnregister(
        _ params: CarMethods.ToolsUnregister.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.ToolsUnregister.Result {
        let removed = try context.session.runtime().tools.unregister(params.name)
        return .init(removed: removed, unregistered: params.name)
    }
}
