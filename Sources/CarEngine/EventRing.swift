/// The most recent events, at most `capacity` of them: the oldest is overwritten once full, so
/// a long-lived connection's log costs bounded memory (the journal keeps everything).
struct EventRing {
    let capacity: Int
    private var slots: [RuntimeEvent] = []
    /// Index of the oldest event once the ring has wrapped.
    private var start = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { slots.count }

    mutating func append(_ event: RuntimeEvent) {
        if slots.count < capacity {
            slots.append(event)
        } else {
            slots[start] = event
            start = (start + 1) % capacity
        }
    }

    /// Visits events newest first until `body` returns false.
    func forEachNewestFirst(_ body: (RuntimeEvent) -> Bool) {
        var offset = slots.count - 1
        while offset >= 0 {
            if !body(slots[(start + offset) % slots.count]) { return }
            offset -= 1
        }
    }
}
