/// A retrieval result: the fact and how strongly the query's walk reached it.
public struct ScoredFact: Sendable, Hashable {
    public var fact: Fact
    /// Personalized PageRank mass on the fact; comparable only within one query's results.
    public var score: Double
    public var confidence: Double { fact.confidence }

    public init(fact: Fact, score: Double) {
        self.fact = fact
        self.score = score
    }
}
