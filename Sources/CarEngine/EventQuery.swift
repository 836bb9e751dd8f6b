import CarJSON

/// An `events.query` filter. Every criterion given must hold (AND); an empty `kinds` or a nil
/// field does not filter. `since` is inclusive and `until` exclusive, both RFC 3339. Results
/// come most recent first; `limit` nil or 0 means all.
public struct EventQuery: Sendable, Hashable {
    public var kinds: [EventKind]
    public var actionID: String?
    public var proposalID: String?
    public var since: String?
    public var until: String?
    /// Event `data` members that must equal these strings; a non-string member is compared by
    /// its compact JSON text, so `{"attempt": "2"}` finds `attempt: 2`.
    public var dataMatches: [String: String]
    public var limit: Int?

    public init(kinds: [EventKind] = [], actionID: String? = nil, proposalID: String? = nil, since: String? = nil,
                until: String? = nil, dataMatches: [String: String] = [:], limit: Int? = nil) {
        self.kinds = kinds
        self.actionID = actionID
        self.proposalID = proposalID
        self.since = since
        self.until = until
        self.dataMatches = dataMatches
        self.limit = limit
    }

    /// Reads the wire form: `{kinds?, action_id?, proposal_id?, since?, until?, data_matches?,
    /// limit?}`; `null` (or no params at all) is the empty query. Unknown kinds and bounds that
    /// are not RFC 3339 are errors here, so a typo is reported instead of matching nothing.
    public init(json: JSONValue) throws(EventQueryError) {
        self.init()
        if json == .null { return }
        guard let object = json.objectValue else { throw EventQueryError("events.query params must be an object") }
        func string(_ key: String) throws(EventQueryError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw EventQueryError("'\(key)' must be a string, not \(other.typeName)")
            }
        }
        switch object["kinds"] {
        case nil, .null?: break
        case .array(let names)?:
            for name in names {
                guard let text = name.stringValue else { throw Self.unknownKind(JSONWriter.string(name)) }
                kinds.append(try Self.kind(named: text))
            }
        case let other?: throw EventQueryError("'kinds' must be an array, not \(other.typeName)")
        }
        actionID = try string("action_id")
        proposalID = try string("proposal_id")
        since = try string("since")
        until = try string("until")
        switch object["data_matches"] {
        case nil, .null?: break
        case .object(let members)?:
            for (key, value) in members { dataMatches[key] = JSONText.coerced(value) }
        case let other?: throw EventQueryError("'data_matches' must be an object, not \(other.typeName)")
        }
        switch object["limit"] {
        case nil, .null?: break
        case let value?:
            guard let count = value.intValue, count >= 0 else { throw EventQueryError("'limit' must be a non-negative integer") }
            limit = Int(clamping: count)
        }
        try validate()
    }

    /// The event kind a client named; an unknown name is an error listing the known ones.
    public static func kind(named name: String) throws(EventQueryError) -> EventKind {
        guard let kind = EventKind(rawValue: name) else { throw unknownKind(JSONWriter.string(.string(name))) }
        return kind
    }

    private static func unknownKind(_ shown: String) -> EventQueryError {
        let known = EventKind.allCases.map(\.rawValue).joined(separator: ", ")
        return EventQueryError("unknown event kind \(shown) (expected one of \(known))")
    }

    /// Checks the time bounds parse.
    public func validate() throws(EventQueryError) {
        for (name, bound) in [("since", since), ("until", until)] {
            if let bound, RFC3339.parse(bound) == nil {
                throw EventQueryError("'\(name)' is not an RFC 3339 timestamp: '\(bound)'")
            }
        }
    }

    /// The query with its bounds parsed once, for scanning the log.
    struct Matcher {
        let query: EventQuery
        let kinds: Set<EventKind>
        let sinceMicros: Int64?
        let untilMicros: Int64?
        /// A bound that does not parse matches nothing: an audit filter that silently widened
        /// to "everything" would be worse than an empty answer.
        let unsatisfiable: Bool

        init(_ query: EventQuery) {
            self.query = query
            kinds = Set(query.kinds)
            sinceMicros = query.since.flatMap(RFC3339.parse)
            untilMicros = query.until.flatMap(RFC3339.parse)
            unsatisfiable = (query.since != nil && sinceMicros == nil) || (query.until != nil && untilMicros == nil)
        }

        func matches(_ event: RuntimeEvent) -> Bool {
            if unsatisfiable { return false }
            if !kinds.isEmpty, !kinds.contains(event.kind) { return false }
            if let id = query.actionID, event.actionID != id { return false }
            if let id = query.proposalID, event.proposalID != id { return false }
            if let sinceMicros, event.micros < sinceMicros { return false }
            if let untilMicros, event.micros >= untilMicros { return false }
            for (key, expected) in query.dataMatches {
                guard let value = event.data[key], JSONText.coerced(value) == expected else { return false }
            }
            return true
        }
    }
}

public struct EventQueryError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
