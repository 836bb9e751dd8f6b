/// Bounds on one proposal, so a single `proposal.submit` cannot monopolise the runtime.
public struct ExecutionLimits: Sendable, Hashable {
    /// A larger proposal is refused before anything runs.
    public var maxActions: Int
    /// Actions (and so tool callbacks) in flight at once within one proposal.
    public var maxConcurrentActions: Int
    /// `max_retries` is a u32 on the wire; a tool failing for good would otherwise be called
    /// billions of times.
    public var maxRetriesPerAction: UInt32
    /// The action ids of one proposal together, in UTF-8 bytes: `$<id>.output` interpolation
    /// builds an automaton over them, so their size is its memory.
    public var maxActionIDBytes: Int

    public init(maxActions: Int = 10_000, maxConcurrentActions: Int = 64, maxRetriesPerAction: UInt32 = 100,
                maxActionIDBytes: Int = 1 << 20) {
        self.maxActions = maxActions
        self.maxConcurrentActions = max(1, maxConcurrentActions)
        self.maxRetriesPerAction = maxRetriesPerAction
        self.maxActionIDBytes = max(0, maxActionIDBytes)
    }
}

/// Why a proposal is refused as a whole before any action runs.
public struct AdmissionError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
