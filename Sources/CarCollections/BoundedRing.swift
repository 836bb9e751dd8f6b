/// The most recent elements, at most `capacity` of them: once full, each append overwrites the
/// oldest. How every log kept in memory (runtime events, host events, conversation turns)
/// stays bounded however long a connection or the daemon lives.
public struct BoundedRing<Element> {
    public let capacity: Int
    private var slots: [Element] = []
    /// Index of the oldest element once the ring has wrapped.
    private var start = 0

    /// `capacity` is at least 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { slots.count }

    public var isEmpty: Bool { slots.isEmpty }

    public mutating func append(_ element: Element) {
        if slots.count < capacity {
            slots.append(element)
        } else {
            slots[start] = element
            start = (start + 1) % capacity
        }
    }

    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        start = 0
    }

    /// Every element, oldest first.
    public var elements: [Element] { suffix(slots.count) }

    /// The newest `count` elements (fewer when the ring holds fewer), oldest first.
    public func suffix(_ count: Int) -> [Element] {
        let take = min(max(0, count), slots.count)
        var out: [Element] = []
        out.reserveCapacity(take)
        for offset in (slots.count - take)..<slots.count {
            out.append(slots[(start + offset) % slots.count])
        }
        return out
    }

    /// Visits elements newest first until `body` returns false.
    public func forEachNewestFirst(_ body: (Element) -> Bool) {
        var offset = slots.count - 1
        while offset >= 0 {
            if !body(slots[(start + offset) % slots.count]) { return }
            offset -= 1
        }
    }
}

extension BoundedRing: Sendable where Element: Sendable {}
