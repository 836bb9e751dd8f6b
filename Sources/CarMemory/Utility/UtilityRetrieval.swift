import Foundation

/// How much a fact's learned utility counts in ranking beside its relevance (U-Mem style).
///
/// With `weight` w > 0 the facts a query reaches are ranked by
/// `(1 - w) * relevance / best relevance + w * utility`, where utility is an upper confidence
/// bound on the fact's success rate: `min(1, (s + 1) / (n + 2) + exploration * sqrt(ln(N + 1) / (n + 1)))`
/// for a fact used n times with s successes, N the graph's total uses. An untried fact gets
/// the prior 1/2 plus the widest bonus, so exploration surfaces it. With w = 0 ranking is
/// the relevance ranking, bit for bit (the blend is not even computed).
public struct UtilityRetrieval: Sendable, Hashable {
    public static let weightRange: ClosedRange<Double> = 0...1
    public static let explorationRange: ClosedRange<Double> = 0...4
    public static let defaultExploration = 1.0

    public private(set) var weight: Double
    public private(set) var exploration: Double

    /// Clamped into range; a non-finite value becomes 0.
    public init(weight: Double = 0, exploration: Double = UtilityRetrieval.defaultExploration) {
        self.weight = Self.clamp(weight, Self.weightRange)
        self.exploration = Self.clamp(exploration, Self.explorationRange)
    }

    /// Read-modify-write: a nil field keeps this value.
    public func updating(weight: Double?, exploration: Double?) -> UtilityRetrieval {
        UtilityRetrieval(weight: weight ?? self.weight, exploration: exploration ?? self.exploration)
    }

    static func clamp(_ value: Double, _ range: ClosedRange<Double>) -> Double {
        guard value.isFinite else { return 0 }
        return min(range.upperBound, max(range.lowerBound, value))
    }

    /// The upper confidence bound for one fact, in [0, 1].
    public func utility(uses: Int, successes: Int, totalUses: Int) -> Double {
        let n = Double(max(0, uses))
        let s = Double(min(max(0, successes), max(0, uses)))
        let mean = (s + 1) / (n + 2)
        let bonus = exploration * (log(Double(max(0, totalUses)) + 1) / (n + 1)).squareRoot()
        return min(1, mean + bonus)
    }
}

extension MemoryEngine {
    /// The graph's current blend.
    public var utilityRetrieval: UtilityRetrieval { store.withLock { $0.utility } }

    /// Applies `weight` / `exploration` (nil keeps the current value, see `UtilityRetrieval`)
    /// and answers what now holds; a logged graph records it.
    @discardableResult
    public func setUtilityRetrieval(weight: Double?, exploration: Double?) -> UtilityRetrieval {
        let recorder = self.recorder
        return store.withLock { store in
            let updated = store.utility.updating(weight: weight, exploration: exploration)
            if updated != store.utility {
                store.utility = updated
                recorder?.record(.utility(updated))
            }
            return updated
        }
    }

    /// Adds to a fact's usage and outcome counts in place; answers the fact as it now is, or
    /// nil when no fact has `id`. A logged graph records the new counts.
    @discardableResult
    public func recordUse(id: String, uses: Int = 1, successes: Int = 0, failures: Int = 0) -> Fact? {
        let recorder = self.recorder
        return store.withLock { store -> Fact? in
            guard let fact = store.fact(withID: id) else { return nil }
            func add(_ count: Int, _ more: Int) -> Int { min(Fact.maxCount, count + min(Fact.maxCount, max(0, more))) }
            let counts = MemoryLogRecord.FactCounts(id: id, uses: add(fact.usageCount, uses),
                                                    successes: add(fact.successCount, successes),
                                                    failures: add(fact.failureCount, failures))
            _ = store.setCounts(id: id, uses: counts.uses, successes: counts.successes, failures: counts.failures)
            recorder?.record(.counts([counts]))
            return store.fact(withID: id)
        }
    }

    /// The `k` best of `scored` by the utility blend; equal blends keep insertion order.
    static func utilityTop(_ k: Int, of scored: [(slot: Int32, score: Double)], in store: FactStore) -> [ScoredFact] {
        let blend = store.utility
        let positive = scored.filter { $0.score > 0 }
        guard let best = positive.map(\.score).max(), best > 0 else { return [] }
        let total = store.totalUses
        var ranked: [(slot: Int32, value: Double, fact: Fact)] = []
        ranked.reserveCapacity(positive.count)
        for entry in positive {
            guard let fact = store.slots[Int(entry.slot)] else { continue }
            let utility = blend.utility(uses: fact.usageCount, successes: fact.successCount, totalUses: total)
            let value = (1 - blend.weight) * (entry.score / best) + blend.weight * utility
            ranked.append((entry.slot, value, fact))
        }
        ranked.sort { a, b in
            let ka = Double(bitPattern: a.value.bitPattern & ~0xFFF), kb = Double(bitPattern: b.value.bitPattern & ~0xFFF)
            return ka != kb ? ka > kb : a.slot < b.slot
        }
        return ranked.prefix(k).map { ScoredFact(fact: $0.fact, score: $0.value) }
    }
}
