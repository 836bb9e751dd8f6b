import CarEngine
import CarGenerated
import CarRPC

extension CarHandler {
    public func eventsCount(
        _ params: CarMethods.EventsCount.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.EventsCount.Result {
        try context.session.runtime().eventLog.count
    }

    public func eventsQuery(
        _ params: CarMethods.EventsQuery.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.EventsQuery.Result {
        var kinds: [EventKind] = []
        for name in params.kinds ?? [] {
            guard let kind = EventKind(rawValue: name) else {
                let known = EventKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw CarErrors.invalidParams("unknown event kind '\(name)' (known: \(known))")
            }
            kinds.append(kind)
        }
        let query = EventQuery(kinds: kinds, actionID: params.actionId, proposalID: params.proposalId, since: params.since,
                               until: params.until, dataMatches: params.dataMatches ?? [:], limit: params.limit)
        let events = try context.session.runtime().eventLog.query(query)
        return .init(count: events.count, events: events.map(\.json))
    }
}
