import CarEngine
import CarGenerated
import CarRPC

extension CarHandler {
    /// Registers the built-in tools on this connection's runtime and enables their in-process
    /// route (`SessionToolInvoker`). Idempotent; a same-name client tool is replaced.
    public func agentsRegisterBasics(
        _ params: CarMethods.AgentsRegisterBasics.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.AgentsRegisterBasics.Result {
        let runtime = try context.session.runtime()
        do {
            try runtime.tools.register(BuiltinTools.schemas)
        } catch {
            throw CarErrors.invalidParams("agents.register_basics: \(error.description)")
        }
        runtime.builtins.enable(BuiltinTools.names)
        return nil
    }
}
