import CarCollections
import CarTestSupport
import Testing

/// The ring under the event log: appends past capacity, drops of the oldest and growth, in any
/// order, against a plain array doing the same.
@Suite("bounded ring")
struct BoundedRingTests {
    @Test(arguments: [1, 2, 7, 64])
    func behavesLikeAnArrayKeepingTheNewest(capacity: Int) {
        var ring = BoundedRing<Int>(capacity: capacity)
        var model: [Int] = []
        var generator = SeededGenerator(seed: UInt64(capacity))
        for step in 0..<5_000 {
            switch generator.next() % 10 {
            case 0..<6:
                ring.append(step)
                model.append(step)
                if model.count > capacity { model.removeFirst() }
            case 6..<9:
                let drop = Int(generator.next() % 4)
                ring.removeOldest(drop)
                model.removeFirst(min(drop, model.count))
            default:
                if generator.next() % 20 == 0 {
                    ring.removeAll()
                    model.removeAll()
                }
            }
            guard ring.elements == model, ring.count == model.count, ring.oldest == model.first else {
                Issue.record("diverged at step \(step): \(ring.elements) vs \(model)")
                return
            }
        }
        var newestFirst: [Int] = []
        ring.forEachNewestFirst { newestFirst.append($0); return true }
        #expect(newestFirst == model.reversed())
        #expect(ring.suffix(2) == Array(model.suffix(2)))
    }

    @Test func removingMoreThanItHoldsEmptiesIt() {
        var ring = BoundedRing<Int>(capacity: 3)
        for value in 0..<5 { ring.append(value) }
        ring.removeOldest(10)
        #expect(ring.isEmpty)
        #expect(ring.oldest == nil)
        ring.removeOldest(-1)
        ring.append(9)
        #expect(ring.elements == [9])
    }
}

