/// The two things a memory log needs from the engine besides recording: applying a logged
/// change (replay records nothing) and a consistent picture of the whole graph (compaction).
extension MemoryEngine {
    /// The whole graph and the last recorded change it holds.
    struct LogSnapshot {
        var nextID: UInt64
        var facts: [Fact]
        var skills: [Skill]
        var utility: UtilityRetrieval
        var rejected: [RejectedCandidate]
        var nextSkillNode: Int
        var seq: UInt64
    }

    func apply(_ record: MemoryLogRecord) throws(PersistenceError) {
        let limit = limits.maxFacts
        switch record {
        case let .put(fact, nextID):
            try store.withLock { (store) throws(PersistenceError) in
                guard store.fact(withID: fact.id) != nil || store.liveCount < limit else {
                    throw PersistenceError(description: "more than the limit of \(limit) facts")
                }
                store.insert(fact)
                if let nextID { store.mintCounter = nextID }
            }
        case .delete(let ids):
            store.withLock { store in
                for id in ids { _ = store.remove(id: id) }
            }
        case let .skills(list, replace, nextNodeID):
            do {
                try skills.apply(list, replace: replace, nextNodeID: nextNodeID)
            } catch {
                throw PersistenceError(description: error.description)
            }
        case let .skillGate(put, removed, rejected):
            do {
                try skills.applyGate(put: put, removed: removed, rejected: rejected)
            } catch {
                throw PersistenceError(description: error.description)
            }
        case let .reset(nextID, facts, list):
            _ = try replaceGraph(with: facts, minting: [], skills: list, recording: false)
            store.withLock { $0.mintCounter = nextID }
        case .counts(let list):
            // A count for a fact deleted later in the same order cannot occur; one for an id
            // the graph does not hold is ignored like a delete of it would be.
            store.withLock { store in
                for entry in list {
                    _ = store.setCounts(id: entry.id, uses: entry.uses, successes: entry.successes, failures: entry.failures)
                }
            }
        case .utility(let blend):
            store.withLock { $0.utility = blend }
        }
    }

    /// Taken under the fact lock and the skills' lock, with the recorder's count read inside
    /// both: every change up to `seq` is in the snapshot and none after it.
    func logSnapshot() -> LogSnapshot? {
        guard let recorder else { return nil }
        return store.withLock { store in
            skills.locked { skillState in
                LogSnapshot(nextID: store.mintCounter, facts: store.liveFacts, skills: skillState.skills,
                            utility: store.utility, rejected: skillState.rejected.ordered,
                            nextSkillNode: skillState.nextNodeID, seq: recorder.markSnapshot())
            }
        }
    }

    /// Facts plus skills: what a compacted log holds one entry each for.
    var liveEntries: Int { factCount + skills.count }
}
