import CarEngine
import CarGenerated
import CarRPC

extension CarHandler {
    public func stateGet(
        _ params: CarMethods.StateGet.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.StateGet.Result {
        try context.session.runtime().state.get(params.key, tenant: params.tenantId) ?? .null
    }

    public func stateSet(
        _ params: CarMethods.StateSet.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.StateSet.Result {
        do {
            try context.session.runtime().state.set(params.key, params.value ?? .null, tenant: params.tenantId)
        } catch let error as StateError {
            throw CarErrors.invalidParams(error.description)
        }
        return .ok
    }

    public func stateExists(
        _ params: CarMethods.StateExists.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.StateExists.Result {
        try context.session.runtime().state.exists(params.key, tenant: params.tenantId)
    }

    public func stateKeys(
        _ params: CarMethods.StateKeys.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.StateKeys.Result {
        try context.session.runtime().state.keys(tenant: params.tenantId)
    }

    public func stateSnapshot(
        _ params: CarMethods.StateSnapshot.Params, context: RPCContext<ClientSession>
    ) throws -> CarMethods.StateSnapshot.Result {
        try context.session.runtime().state.snapshot(tenant: params.tenantId)
    }
}
