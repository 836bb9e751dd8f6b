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

extension CarHandler {
    public func eventsRetention(
        _ params: CarMethods.EventsRetention.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.EventsRetention.Result {
        let log = try context.session.runtime().eventLog
        guard let wanted = params.policy else { return .init(policy: .init(log.retention)) }
        let policy = RetentionPolicy(maxEvents: wanted.maxEvents, maxAgeSeconds: wanted.maxAgeSecs.map { Int64($0) })
        do {
            try policy.validate()
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
        let removed = log.setRetention(policy)
        // The journal follows the trim before the reply (on the blocking pool, when due), so a
        // client that sets a policy then reads the file sees it compacted.
        await log.compactJournal()
        return .init(policy: .init(log.retention), removed: removed)
    }
}

extension CarSchemas.RetentionPolicy {
    init(_ policy: RetentionPolicy) {
        self.init(maxAgeSecs: policy.maxAgeSeconds.map { Int(clamping: $0) }, maxEvents: policy.maxEvents)
    }
}
