import CarJSON

/// The host event log: the newest events, at most `capacity` of them and at most `byteBudget`
/// bytes in all (kind, agent id, message and encoded payload). A count alone let the log grow
/// with what clients put in each event; with the byte budget a burst of large events pushes
/// old ones out sooner instead. The newest event is always kept.
struct HostEventLog {
    let capacity: Int
    let byteBudget: Int
    private var events: [HostEvent] = []
    private var sizes: [Int] = []
    /// Index of the oldest kept event; dropped ones before it are compacted away in batches.
    private var head = 0
    private(set) var bytes = 0

    init(capacity: Int, byteBudget: Int) {
        self.capacity = max(1, capacity)
        self.byteBudget = byteBudget
    }

    var count: Int { events.count - head }

    mutating func append(_ event: HostEvent) {
        let size = Self.size(of: event)
        events.append(event)
        sizes.append(size)
        bytes += size
        while count > capacity || (bytes > byteBudget && count > 1) {
            bytes -= sizes[head]
            head += 1
        }
        // Compact once the dropped prefix is as long as what is kept: amortized O(1) per append.
        if head > 0 && head >= count {
            events.removeFirst(head)
            sizes.removeFirst(head)
            head = 0
        }
    }

    /// The newest `limit` events (fewer when fewer are kept), oldest first.
    func suffix(_ limit: Int) -> [HostEvent] {
        Array(events[(events.count - min(max(0, limit), count))...])
    }

    static func size(of event: HostEvent) -> Int {
        event.kind.utf8.count + (event.agentID?.utf8.count ?? 0) + (event.message?.utf8.count ?? 0)
            + (event.payload.map { JSONWriter.encodedCount($0) } ?? 0)
    }
}
