import Synchronization

/// A session's memory. This first form holds facts in insertion order; retrieval,
/// skills and persistence build on it (the memory issue).
public final class MemoryEngine: Sendable {
    public struct Limits: Sendable {
        /// Facts beyond this are refused rather than letting one client grow the daemon.
        public var maxFacts: Int
        public init(maxFacts: Int = 1_000_000) { self.maxFacts = maxFacts }
    }

    public struct Full: Error, Sendable, CustomStringConvertible {
        public let limit: Int
        public var description: String { "memory is full: \(limit) facts is the limit" }
    }

    private struct Store {
        var facts: [Fact] = []
        var nextID: UInt64 = 1
    }

    private let store = Mutex(Store())
    private let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Adds a fact and answers the new fact count. Ids are minted `ws-N` unless the caller
    /// brings its own.
    @discardableResult
    public func addFact(subject: String, body: String, kind: String, confidence: Double = 1.0,
                        id: String? = nil, tags: [String] = [], source: String? = nil) throws(Full) -> Int {
        let limit = limits.maxFacts
        let result: Int? = store.withLock { store in
            guard store.facts.count < limit else { return nil }
            let factID = id ?? "ws-\(store.nextID)"
            store.nextID += 1
            store.facts.append(Fact(id: factID, subject: subject, body: body, kind: kind, confidence: confidence, tags: tags, source: source))
            return store.facts.count
        }
        guard let result else { throw Full(limit: limit) }
        return result
    }

    public var factCount: Int { store.withLock { $0.facts.count } }

    public var facts: [Fact] { store.withLock { $0.facts } }
}
