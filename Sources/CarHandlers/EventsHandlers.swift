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
        let query: EventQuery
        do {
            // The domain's own checks: kind names and RFC 3339 bounds, as its JSON reader applies them.
            query = EventQuery(kinds: try (params.kinds ?? []).map(EventQuery.kind(named:)), actionID: params.actionId,
                               proposalID: params.proposalId, since: params.since, until: params.until,
                               dataMatches: params.dataMatches ?? [:], limit: params.limit)
            try query.validate()
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
        let events = try context.session.runtime().eventLog.query(query)
        return .init(count: events.count, events: events.map(\.json))
    }
}
