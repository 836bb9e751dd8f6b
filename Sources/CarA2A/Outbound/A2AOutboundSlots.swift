import Synchronization

/// Counts a client's calls in flight and refuses one past the limit at once, rather than
/// queueing: a caller flooding `a2a.send` gets an error, not an ever-growing backlog.
final class A2AOutboundSlots: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// True when a slot was taken; the caller must `release()` it.
    func acquire() -> Bool {
        // Add first, then look: two racing callers at the limit may both be refused, never both admitted.
        if inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue > limit {
            inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return false
        }
        return true
    }

    func release() {
        inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }

    var count: Int { inFlight.load(ordering: .relaxed) }
}
