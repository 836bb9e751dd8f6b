import CarA2UI
import CarGenerated
import CarHost
import CarJSON
import CarRPC

extension CarHandler {
    public func a2uiCapabilities(
        _ params: CarMethods.A2uiCapabilities.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiCapabilities.Result {
        state.a2ui.capabilities
    }

    public func a2uiApply(
        _ params: CarMethods.A2uiApply.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiApply.Result {
        let envelope = A2UIEnvelopeParams(params).envelope
        return try Self.a2ui { () throws(A2UIError) in try state.a2ui.apply(envelope, owner: .session(clientID: context.session.clientID)).json }
    }

    public func a2uiIngest(
        _ params: CarMethods.A2uiIngest.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiIngest.Result {
        let request = try Self.a2ui { () throws(A2UIError) in try A2UIIngestRequest(params) }
        return state.a2ui.ingest(request)
    }

    public func a2uiReap(
        _ params: CarMethods.A2uiReap.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiReap.Result {
        .init(removed: state.a2ui.reap())
    }

    public func a2uiSurfaces(
        _ params: CarMethods.A2uiSurfaces.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiSurfaces.Result {
        state.a2ui.store.surfaces().map(\.json)
    }

    public func a2uiGet(
        _ params: CarMethods.A2uiGet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiGet.Result {
        try surface(params.surfaceId ?? params.snakeSurfaceId)
    }

    public func a2uiReplay(
        _ params: CarMethods.A2uiReplay.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiReplay.Result {
        try surface(params.surfaceId ?? params.snakeSurfaceId)
    }

    public func a2uiAction(
        _ params: CarMethods.A2uiAction.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiAction.Result {
        guard let surfaceID = params.surfaceId ?? params.snakeSurfaceId else {
            throw CarErrors.invalidParams("surfaceId (or surface_id) is required")
        }
        let action = try Self.a2ui { () throws(A2UIError) in
            try A2UIUserAction(name: params.name ?? params.action, surfaceID: surfaceID,
                               sourceComponentID: params.sourceComponentId ?? params.snakeSourceComponentId,
                               timestamp: params.timestamp, context: params.context)
        }
        let delivery = try Self.a2ui { () throws(A2UIError) in try state.a2ui.deliver(action) }
        var a2a: JSONValue = .null
        if let peer = delivery.peer {
            a2a = await state.a2a.continueTask(taskID: peer.taskID, contextID: peer.contextID, route: peer.route, action: delivery.action.json)
        }
        let (event, route) = state.a2ui.record(delivery, a2a: a2a)
        return .init(event: event.json, route: route)
    }

    public func a2uiSubscribe(
        _ params: CarMethods.A2uiSubscribe.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiSubscribe.Result {
        state.a2ui.subscribe(context.session)
        return .init(subscribed: true)
    }

    public func a2uiUnsubscribe(
        _ params: CarMethods.A2uiUnsubscribe.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiUnsubscribe.Result {
        state.a2ui.unsubscribe(clientID: context.session.clientID)
        return .init(subscribed: false)
    }

    public func a2uiRenderReport(
        _ params: CarMethods.A2uiRenderReport.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.A2uiRenderReport.Result {
        let report = try Self.a2ui { () throws(A2UIError) in try A2UIRenderReport(wire: params) }
        return try Self.a2ui { () throws(A2UIError) in try state.a2ui.handle(report) }
    }

    private func surface(_ id: String?) throws -> JSONValue {
        guard let id else { throw CarErrors.invalidParams("surfaceId (or surface_id) is required") }
        return state.a2ui.store.surface(id)?.json ?? .null
    }

    /// A2UI refusals on the wire: -32602 with the kind first in the message and the A2UI error
    /// object (kind, surfaceId, path, message) as data.
    static func a2ui<T>(_ body: () throws(A2UIError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw RPCError(code: CarErrors.invalidParamsCode, message: error.description, data: error.json)
        }
    }
}
