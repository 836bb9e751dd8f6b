/// One turn of the conversation the memory is serving.
public struct ConversationTurn: Sendable, Hashable {
    public var speaker: String
    public var text: String
    /// Caller's timestamp (seconds since the epoch, or whatever clock it keeps); kept, not
    /// interpreted.
    public var time: Double?

    public init(speaker: String, text: String, time: Double? = nil) {
        self.speaker = speaker
        self.text = text
        self.time = time
    }
}

/// The most recent turns, oldest first. Bounded so a long session cannot grow memory
/// without limit; the context builder only ever shows recent turns anyway.
struct ConversationLog {
    let capacity: Int
    private var ring: [ConversationTurn] = []
    /// Index of the oldest turn once the ring is full.
    private var head = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        ring.reserveCapacity(capacity)
    }

    var count: Int { ring.count }

    mutating func append(_ turn: ConversationTurn) {
        if ring.count < capacity {
            ring.append(turn)
        } else {
            ring[head] = turn
            head = (head + 1) % capacity
        }
    }

    var turns: [ConversationTurn] { Array(ring[head...] + ring[..<head]) }

    mutating func removeAll() {
        ring.removeAll(keepingCapacity: true)
        head = 0
    }
}
