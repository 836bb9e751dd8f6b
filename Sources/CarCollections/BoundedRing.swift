/// The most recent elements, at most `capacity` of them: once full, each append overwrites the
/// oldest. How every log kept in memory (runtime events, host events, conversation turns)
/// stays bounded however long a connection or the daemon lives.
///
/// A circular buffer that grows by doubling up to `capacity`, so a ring that never fills never
/// allocates its whole capacity, and dropping the oldest elements (`removeOldest`, for a
/// retention policy) is O(1) each.
public struct BoundedRing<Element> {
    public let capacity: Int
    /// Live elements are `count` slots from `start`, wrapping; the other slots are nil.
    private var slots: [Element?] = []
    /// Index of the oldest element.
    private var start = 0
    public private(set) var count = 0

    /// `capacity` is at least 1.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ element: Element) {
        if count == slots.count {
            if slots.count < capacity {
                grow()
            } else {
                // Full: the new element takes the oldest one's slot.
                slots[start] = element
                start = (start + 1) % slots.count
                return
            }
        }
        slots[(start + count) % slots.count] = element
        count += 1
    }

    /// The oldest element, if any.
    public var oldest: Element? { count == 0 ? nil : slots[start] }

    /// Drops the oldest `n` elements (all of them when there are fewer).
    public mutating func removeOldest(_ n: Int) {
        let drop = min(max(0, n), count)
        for _ in 0..<drop {
            slots[start] = nil
            start = (start + 1) % slots.count
        }
        count -= drop
        if count == 0 { start = 0 }
    }

    public mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        start = 0
        count = 0
    }

    /// Every element, oldest first.
    public var elements: [Element] { suffix(count) }

    /// The newest `count` elements (fewer when the ring holds fewer), oldest first.
    public func suffix(_ wanted: Int) -> [Element] {
        let take = min(max(0, wanted), count)
        var out: [Element] = []
        out.reserveCapacity(take)
        for offset in (count - take)..<count {
            out.append(slots[(start + offset) % slots.count]!)
        }
        return out
    }

    /// Visits elements newest first until `body` returns false.
    public func forEachNewestFirst(_ body: (Element) -> Bool) {
        var offset = count - 1
        while offset >= 0 {
            if !body(slots[(start + offset) % slots.count]!) { return }
            offset -= 1
        }
    }

    /// Doubles the buffer (up to `capacity`), laying the elements out from index 0.
    private mutating func grow() {
        let size = min(capacity, max(8, slots.count * 2))
        var larger: [Element?] = []
        larger.reserveCapacity(size)
        for offset in 0..<count { larger.append(slots[(start + offset) % slots.count]) }
        larger.append(contentsOf: repeatElement(nil, count: size - count))
        slots = larger
        start = 0
    }
}

extension BoundedRing: Sendable where Element: Sendable {}
