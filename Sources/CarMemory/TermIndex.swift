/// The graph's edges: which facts carry which terms, kept incrementally so an add or a
/// delete touches only that fact's own terms, never the whole store.
///
/// Facts are addressed by slot (their insertion position, never reused until compaction),
/// so every posting list stays sorted by insertion order for free; that order is the
/// tie-break that keeps ranking deterministic.
struct TermIndex {
    typealias TermID = Int32

    private(set) var termIDs: [String: TermID] = [:]
    /// Facts (slots) per term, ascending.
    private(set) var postings: [[Int32]] = []
    /// Terms per fact slot; empty for deleted slots.
    private(set) var factTerms: [[TermID]] = []

    func termID(_ term: String) -> TermID? { termIDs[term] }

    func documentFrequency(_ term: TermID) -> Int { postings[Int(term)].count }

    mutating func insert(slot: Int, terms: [String]) {
        precondition(slot == factTerms.count, "slots are appended in order")
        var ids: [TermID] = []
        ids.reserveCapacity(terms.count)
        for term in terms {
            let id: TermID
            if let known = termIDs[term] {
                id = known
            } else {
                id = TermID(postings.count)
                termIDs[term] = id
                postings.append([])
            }
            ids.append(id)
            // Slots only grow, so appending keeps the list sorted.
            postings[Int(id)].append(Int32(slot))
        }
        factTerms.append(ids)
    }

    mutating func remove(slot: Int) {
        let target = Int32(slot)
        for id in factTerms[slot] {
            let list = postings[Int(id)]
            // Binary search: posting lists of common terms can be long.
            var low = 0, high = list.count
            while low < high {
                let mid = (low + high) / 2
                if list[mid] < target { low = mid + 1 } else { high = mid }
            }
            if low < list.count, list[low] == target { postings[Int(id)].remove(at: low) }
        }
        factTerms[slot] = []
    }
}
