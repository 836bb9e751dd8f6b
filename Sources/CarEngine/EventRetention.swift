/// How much of a session's event log is kept (`events.retention`, the reference's G2 policy):
/// at most `maxEvents` events, none older than `maxAgeSeconds`. nil bounds nothing; the
/// log's ring capacity bounds it regardless.
public struct RetentionPolicy: Sendable, Hashable {
    public var maxEvents: Int?
    public var maxAgeSeconds: Int64?

    public init(maxEvents: Int? = nil, maxAgeSeconds: Int64? = nil) {
        self.maxEvents = maxEvents
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// Negative bounds are refused (a client error, named); zero keeps nothing.
    public func validate() throws(EventLogError) {
        if let maxEvents, maxEvents < 0 { throw EventLogError("'policy.max_events' must be >= 0, got \(maxEvents)") }
        if let maxAgeSeconds, maxAgeSeconds < 0 { throw EventLogError("'policy.max_age_secs' must be >= 0, got \(maxAgeSeconds)") }
    }

    /// Events stamped before this instant (microseconds since the epoch) are too old; nil when
    /// age is unbounded. Saturating: an age of centuries is simply "keep everything".
    func cutoff(nowMicros: Int64) -> Int64? {
        guard let maxAgeSeconds else { return nil }
        let (age, overflow) = maxAgeSeconds.multipliedReportingOverflow(by: 1_000_000)
        if overflow { return .min }
        let (cutoff, under) = nowMicros.subtractingReportingOverflow(age)
        return under ? .min : cutoff
    }
}

/// When a journal is worth rewriting, as the protocol doc gives it: it holds at least 1,024
/// lines more than the retained events and would shrink by at least a quarter, so a trim on
/// every append does not mean a rewrite on every append.
enum CompactionRule {
    static let minimumSurplus = 1024

    static func isDue(fileLines: Int, retained: Int) -> Bool {
        let surplus = fileLines - retained
        return surplus >= minimumSurplus && surplus * 4 >= fileLines
    }
}
