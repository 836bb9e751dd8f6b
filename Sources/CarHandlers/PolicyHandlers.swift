import CarEngine
import CarGenerated
import CarRPC

extension CarHandler {
    public func policyRegister(
        _ params: CarMethods.PolicyRegister.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.PolicyRegister.Result {
        let scope = PolicyScope(sessionID: params.sessionId)
        let policy = PolicyDefinition(name: params.name, rule: params.rule, target: params.target, key: params.key,
                                      pattern: params.pattern, value: params.value)
        do {
            try context.session.runtime().policies.register(policy, scope: scope)
        } catch let error as PolicyError {
            throw CarErrors.invalidParams(error.description)
        }
        return .init(registered: params.name, scope: scope.wire)
    }

    public func policyUnregister(
        _ params: CarMethods.PolicyUnregister.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.PolicyUnregister.Result {
        let scope = PolicyScope(sessionID: params.sessionId)
        do {
            let removed = try context.session.runtime().policies.unregister(name: params.name, scope: scope)
            return .init(removed: removed, scope: scope.wire, unregistered: params.name)
        } catch let error as PolicyError {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func policyList(
        _ params: CarMethods.PolicyList.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.PolicyList.Result {
        let scope = PolicyScope(sessionID: params.sessionId)
        do {
            let policies = try context.session.runtime().policies.list(scope: scope)
            return .init(policies: policies.map { .init(description: $0.description, name: $0.name) }, scope: scope.wire)
        } catch let error as PolicyError {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func sessionPolicyOpen(
        _ params: CarMethods.SessionPolicyOpen.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SessionPolicyOpen.Result {
        do {
            return .init(sessionId: try context.session.runtime().policies.openSession())
        } catch let error as PolicyError {
            throw CarErrors.invalidParams(error.description)
        }
    }

    public func sessionPolicyClose(
        _ params: CarMethods.SessionPolicyClose.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SessionPolicyClose.Result {
        .init(closed: try context.session.runtime().policies.closeSession(params.sessionId))
    }
}
