import CarJSON

/// What the runtime journals as a proposal runs, and what the skill gate resolves.
public enum EventKind: String, Sendable, Hashable, CaseIterable {
    case proposalReceived = "proposal_received"
    case actionStarted = "action_started"
    case actionSucceeded = "action_succeeded"
    case actionFailed = "action_failed"
    case actionRejected = "action_rejected"
    case actionSkipped = "action_skipped"
    case stateChanged = "state_changed"
    case policyViolation = "policy_violation"
    case toolCallbackSent = "tool_callback_sent"
    case toolCallbackAnswered = "tool_callback_answered"
    case toolCallbackTimedOut = "tool_callback_timed_out"
    case proposalCompleted = "proposal_completed"
    /// `memory.maintain` ran over this log (counts and trigger, no memory bodies).
    case proactiveMemoryMaintained = "proactive_memory_maintained"
    /// `memory.intervene` decided to inject a reminder or stay silent.
    case proactiveMemoryIntervention = "proactive_memory_intervention"
    /// The skill promotion gate (`skills.gate`, `memory.consolidate`) resolved a candidate.
    case candidatePromoted = "candidate_promoted"
    case candidateRejected = "candidate_rejected"
}

/// One entry of the event log. `seq` is strictly increasing within a journal, and timestamps
/// never go backwards with it, so time bounds and sequence agree.
public struct RuntimeEvent: Sendable, Hashable {
    public let seq: UInt64
    public let kind: EventKind
    /// RFC 3339, UTC, millisecond precision.
    public let timestamp: String
    public let proposalID: String?
    public let actionID: String?
    public let data: [String: JSONValue]
    /// The instant `timestamp` shows, in microseconds since the epoch (whole milliseconds).
    let micros: Int64

    init(seq: UInt64, kind: EventKind, micros: Int64, proposalID: String?, actionID: String?, data: [String: JSONValue]) {
        let shown = micros - micros % 1_000
        self.seq = seq
        self.kind = kind
        self.micros = shown
        self.timestamp = RFC3339.format(micros: shown)
        self.proposalID = proposalID
        self.actionID = actionID
        self.data = data
    }

    /// `{seq, kind, timestamp, proposal_id, action_id, data}`; absent ids are `null` so every
    /// journal line has the same shape.
    public var json: JSONValue {
        [
            "seq": .int(Int64(clamping: seq)),
            "kind": .string(kind.rawValue),
            "timestamp": .string(timestamp),
            "proposal_id": proposalID.map(JSONValue.string) ?? .null,
            "action_id": actionID.map(JSONValue.string) ?? .null,
            "data": .object(data),
        ]
    }
}
