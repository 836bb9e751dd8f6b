/// Where a task is in its life. The names are version-neutral; each version spells them its
/// own way on the wire (`TASK_STATE_INPUT_REQUIRED` in 1.0, `input-required` in 0.3).
public enum A2ATaskState: String, Sendable, Hashable, CaseIterable {
    case submitted
    case working
    case inputRequired
    case completed
    case canceled
    case failed
    case rejected
    case authRequired
    /// 1.0's `TASK_STATE_UNSPECIFIED`, 0.3's `unknown`.
    case unknown

    /// Nothing more happens to the task: it cannot be continued, canceled or subscribed to.
    public var isTerminal: Bool {
        switch self {
        case .completed, .canceled, .failed, .rejected: true
        default: false
        }
    }

    /// The agent waits for the client (input or credentials); a follow-up message continues it.
    public var isInterrupted: Bool { self == .inputRequired || self == .authRequired }

    /// Where a blocking send answers and a stream closes (the SDK's server stops at both).
    public var endsInteraction: Bool { isTerminal || isInterrupted }

    public func wireName(_ version: A2AProtocolVersion) -> String {
        switch version {
        case .v1_0: Self.protoNames[self]!
        case .v0_3: Self.legacyNames[self]!
        }
    }

    /// The state a version's name denotes; nil for a name that version does not have.
    public init?(wireName: String, version: A2AProtocolVersion) {
        let names = version == .v1_0 ? Self.protoNames : Self.legacyNames
        guard let state = names.first(where: { $0.value == wireName })?.key else { return nil }
        self = state
    }

    /// 1.0's enum numbers, which proto JSON accepts in place of the names.
    public init?(protoNumber: Int64) {
        guard let state = Self.protoNumbers[protoNumber] else { return nil }
        self = state
    }

    private static let protoNames: [A2ATaskState: String] = [
        .unknown: "TASK_STATE_UNSPECIFIED", .submitted: "TASK_STATE_SUBMITTED", .working: "TASK_STATE_WORKING",
        .completed: "TASK_STATE_COMPLETED", .failed: "TASK_STATE_FAILED", .canceled: "TASK_STATE_CANCELED",
        .inputRequired: "TASK_STATE_INPUT_REQUIRED", .rejected: "TASK_STATE_REJECTED", .authRequired: "TASK_STATE_AUTH_REQUIRED",
    ]
    private static let protoNumbers: [Int64: A2ATaskState] = [
        0: .unknown, 1: .submitted, 2: .working, 3: .completed, 4: .failed, 5: .canceled, 6: .inputRequired,
        7: .rejected, 8: .authRequired,
    ]
    private static let legacyNames: [A2ATaskState: String] = [
        .submitted: "submitted", .working: "working", .inputRequired: "input-required", .completed: "completed",
        .canceled: "canceled", .failed: "failed", .rejected: "rejected", .authRequired: "auth-required", .unknown: "unknown",
    ]
}
