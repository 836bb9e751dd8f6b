import CarJSON

/// The event log as one proposal writes to it: every event carries the proposal id, and the
/// scope's caller and tenant, so `events.query` can answer "who ran what" by `data_matches`.
struct ProposalEvents: Sendable {
    let log: EventLog
    let proposalID: String
    let identity: [String: JSONValue]

    init(log: EventLog, proposalID: String, scope: RuntimeScope?) {
        self.log = log
        self.proposalID = proposalID
        var identity: [String: JSONValue] = [:]
        if let caller = scope?.callerID, !caller.isEmpty { identity["caller"] = .string(caller) }
        if let tenant = scope?.tenant { identity["tenant"] = .string(tenant) }
        self.identity = identity
    }

    func record(_ kind: EventKind, action actionID: String? = nil, _ data: [String: JSONValue] = [:]) {
        log.append(kind, proposalID: proposalID, actionID: actionID, data: identity.merging(data) { _, new in new })
    }
}
