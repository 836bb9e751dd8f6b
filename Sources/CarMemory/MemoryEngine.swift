import CarCollections
import Synchronization

/// A session's memory: facts linked through their terms, ranked for a query by
/// personalized PageRank, a bounded log of the conversation, and the context assembled
/// from both.
public final class MemoryEngine: Sendable {
    public struct Limits: Sendable {
        /// Facts beyond this are refused rather than letting one client grow the daemon.
        public var maxFacts: Int
        /// Conversation turns kept; older ones fall off.
        public var maxConversationTurns: Int
        public init(maxFacts: Int = 1_000_000, maxConversationTurns: Int = 200) {
            self.maxFacts = maxFacts
            self.maxConversationTurns = max(1, maxConversationTurns)
        }
    }

    public struct Full: Error, Sendable, CustomStringConvertible {
        public let limit: Int
        public var description: String { "memory is full: \(limit) facts is the limit" }
    }

    let store = Mutex(FactStore())
    /// The most recent turns: bounded, since the context builder only ever shows recent ones.
    private let conversation: Mutex<BoundedRing<ConversationTurn>>
    let limits: Limits
    let ranker = PersonalizedPageRank()
    /// The learned procedures stored in this graph.
    public let skills: SkillStore
    /// Where a logged graph (`MemoryLog`) queues each change for its file; nil otherwise.
    let recorder: MemoryRecorder?

    public convenience init(limits: Limits = Limits()) {
        self.init(limits: limits, recorder: nil)
    }

    init(limits: Limits, recorder: MemoryRecorder?) {
        self.limits = limits
        self.recorder = recorder
        self.skills = SkillStore(recorder: recorder)
        self.conversation = Mutex(BoundedRing(capacity: limits.maxConversationTurns))
    }

    // MARK: Facts

    /// Adds a fact and answers the new fact count. Ids are minted `ws-N` unless the caller
    /// brings its own; bringing an id already held replaces that fact.
    @discardableResult
    public func addFact(subject: String, body: String, kind: String, confidence: Double = 1.0,
                        id: String? = nil, tags: [String] = [], source: String? = nil) throws(Full) -> Int {
        try insertFact(subject: subject, body: body, kind: kind, confidence: confidence, id: id, tags: tags, source: source).count
    }

    /// `addFact`, answering the fact's id too (the minted one when none was given).
    public func insertFact(subject: String, body: String, kind: String, confidence: Double = 1.0,
                           id: String? = nil, tags: [String] = [], source: String? = nil) throws(Full) -> (id: String, count: Int) {
        let limit = limits.maxFacts
        let recorder = self.recorder
        let result: (id: String, count: Int)? = store.withLock { store in
            let replacing = id.map { store.fact(withID: $0) != nil } ?? false
            guard replacing || store.liveCount < limit else { return nil }
            let factID = id ?? store.mintID()
            let fact = Fact(id: factID, subject: subject, body: body, kind: kind, confidence: confidence, tags: tags, source: source)
            store.insert(fact)
            recorder?.record(.put(fact, nextID: id == nil ? store.mintCounter : nil))
            return (factID, store.liveCount)
        }
        guard let result else { throw Full(limit: limit) }
        return result
    }

    /// Removes the fact with `id` from the store and the graph; false when there was none.
    @discardableResult
    public func delete(id: String) -> Bool {
        !delete(ids: [id]).isEmpty
    }

    /// Removes every fact named in `ids`, as one change; answers those that were there.
    @discardableResult
    public func delete(ids: [String]) -> [String] {
        let recorder = self.recorder
        return store.withLock { store in
            let removed = ids.filter { store.remove(id: $0) != nil }
            if !removed.isEmpty { recorder?.record(.delete(removed)) }
            return removed
        }
    }

    /// The fact with `id`, if held.
    public func fact(id: String) -> Fact? { store.withLock { $0.fact(withID: id) } }

    public var factCount: Int { store.withLock { $0.liveCount } }

    /// Every fact, in insertion order (a replaced fact counts as newly inserted).
    public var facts: [Fact] { store.withLock { $0.liveFacts } }

    /// Forgets every fact and turn; minted ids keep counting so an old id never returns.
    public func reset() {
        conversation.withLock { $0.removeAll() }
        _ = try? replaceGraph(with: [], minting: [], skills: [], recording: true)
    }

    /// Swaps the whole graph for `loaded` facts (later duplicates of an id win) and `skills`;
    /// facts at the `minting` positions get fresh `ws-N` ids. Done under the store's and the
    /// skills' locks at once, so no query sees a half-loaded graph and a logged graph records
    /// it as one change, ordered against every other (one `reset` line).
    func replaceGraph(with loaded: [Fact], minting: [Int], skills replacement: [Skill],
                      recording: Bool) throws(PersistenceError) -> Int {
        let limit = limits.maxFacts
        guard loaded.count <= limit else {
            throw PersistenceError(description: "memory.load: \(loaded.count) facts exceed the limit of \(limit)")
        }
        let toMint = Set(minting)
        // A minted id must not collide with one the snapshot holds further on.
        let named = Set(loaded.indices.filter { !toMint.contains($0) }.map { loaded[$0].id })
        let recorder = recording ? self.recorder : nil
        return try store.withLock { (store) throws(PersistenceError) -> Int in
            try skills.locked { (skillState) throws(PersistenceError) -> Int in
                guard replacement.count <= skills.maxSkills else {
                    throw PersistenceError(description: "memory.load: the snapshot holds more than \(skills.maxSkills) skills")
                }
                store.removeAll()
                for (position, fact) in loaded.enumerated() {
                    var fact = fact
                    if toMint.contains(position) { fact.id = store.mintID(avoiding: named) }
                    store.insert(fact)
                }
                skillState.replaceAll(with: replacement)
                recorder?.record(.reset(nextID: store.mintCounter, facts: recorder == nil ? [] : store.liveFacts,
                                        skills: skillState.skills))
                return store.liveCount
            }
        }
    }

    // MARK: Retrieval

    /// The `k` facts the query's terms reach most strongly, best first. Facts sharing no term
    /// with the query are not returned; equal scores keep insertion order, so the same graph
    /// and query always give the same list. The walk covers a bounded neighbourhood (see
    /// `PersonalizedPageRank`), so a query made only of very common words ranks the most
    /// recent of their facts rather than all of them.
    public func query(_ text: String, k: Int = 5) -> [ScoredFact] {
        guard k > 0 else { return [] }
        let terms = Tokenizer.terms(text)
        return store.withLock { store in
            Self.top(k, of: ranker.scores(index: store.index, liveFacts: store.liveCount, queryTerms: terms, scratch: &store.walkScratch), in: store)
        }
    }

    static func top(_ k: Int, of scored: [(slot: Int32, score: Double)], in store: FactStore) -> [ScoredFact] {
        // A utility weight of 0 takes exactly the relevance path below.
        if store.utility.weight > 0 { return utilityTop(k, of: scored, in: store) }
        // Scores are compared with their last 12 mantissa bits cleared: sums taken in a
        // different order can differ in the last bits, and two facts the graph cannot tell
        // apart should fall back to insertion order, not to rounding noise.
        func key(_ score: Double) -> Double { Double(bitPattern: score.bitPattern & ~0xFFF) }
        func better(_ a: (slot: Int32, score: Double), _ b: (slot: Int32, score: Double)) -> Bool {
            let ka = key(a.score), kb = key(b.score)
            return ka != kb ? ka > kb : a.slot < b.slot
        }
        // Slots are unique, so the order is total and the k best are the same whether the
        // whole list is sorted or, for the usual small k, only the best k are kept in order.
        var ranked: [(slot: Int32, score: Double)] = []
        if k <= 64 {
            ranked.reserveCapacity(k + 1)
            for entry in scored where entry.score > 0 {
                if ranked.count == k, let last = ranked.last, !better(entry, last) { continue }
                var position = ranked.count
                while position > 0, better(entry, ranked[position - 1]) { position -= 1 }
                ranked.insert(entry, at: position)
                if ranked.count > k { ranked.removeLast() }
            }
        } else {
            ranked = scored.filter { $0.score > 0 }.sorted(by: better)
        }
        return ranked.prefix(k).compactMap { entry in
            store.slots[Int(entry.slot)].map { ScoredFact(fact: $0, score: entry.score) }
        }
    }

    // MARK: Conversation

    /// Records one conversation turn and answers how many turns are now kept.
    @discardableResult
    public func ingestConversation(speaker: String, text: String, time: Double? = nil) -> Int {
        conversation.withLock { log in
            log.append(ConversationTurn(speaker: speaker, text: text, time: time))
            return log.count
        }
    }

    /// Kept turns, oldest first.
    public var conversationTurns: [ConversationTurn] { conversation.withLock { $0.elements } }

    // MARK: Context

    /// Facts offered to the Facts section before the budget trims them.
    static let contextFactCandidates = 32

    /// The context for a model about to work on `query`, sized to `modelContextWindow`
    /// tokens (8K when not given). See `ContextBuilder` for layout and truncation order.
    public func buildContext(query text: String, modelContextWindow: Int? = nil) -> String {
        let terms = Tokenizer.terms(text)
        let (identity, constraints, relevant, environment, unknowns) = store.withLock { store in
            let scored = ranker.scores(index: store.index, liveFacts: store.liveCount, queryTerms: terms, scratch: &store.walkScratch)
            // Sectioned kinds are shown in their own sections; ask for enough to fill Facts.
            let ranked = Self.top(Self.contextFactCandidates + store.sectionedCount, of: scored, in: store)
                .filter { !ContextBuilder.sectionedKinds.contains($0.fact.kind) }
                .prefix(Self.contextFactCandidates)
            return (store.facts(ofKind: ContextBuilder.identityKind),
                    store.facts(ofKind: "constraint"),
                    Array(ranked),
                    store.facts(ofKind: ContextBuilder.environmentKind),
                    store.facts(ofKind: ContextBuilder.unknownKind))
        }
        let turns = conversationTurns
        let sections: [ContextBuilder.Section] = [
            .init(title: "Identity", lines: identity.map(ContextBuilder.line)),
            .init(title: "Constraints", lines: constraints.map(ContextBuilder.line)),
            .init(title: "Facts", lines: relevant.map { ContextBuilder.line($0.fact) }),
            .init(title: "Conversation",
                  lines: turns.map { "\($0.speaker): \($0.text)".replacingNewlines() }, dropsFromFront: true),
            .init(title: "Environment", lines: environment.map(ContextBuilder.line)),
            .init(title: "Known Unknowns", lines: unknowns.map(ContextBuilder.line)),
        ]
        return ContextBuilder.assemble(sections, budget: ContextBuilder.characterBudget(modelContextWindow: modelContextWindow))
    }
}
