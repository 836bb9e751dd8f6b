/// Facts by slot plus the indexes over them. Not thread-safe: `MemoryEngine` holds it in a
/// mutex.
///
/// A slot is a fact's insertion position. Deleting leaves a hole rather than shifting, so
/// slots held by the term index stay valid; when holes outnumber facts the store compacts,
/// which is O(facts) but happens at most once per that many deletes.
struct FactStore {
    private(set) var slots: [Fact?] = []
    private(set) var slotOfID: [String: Int] = [:]
    private(set) var index = TermIndex()
    /// Live slots per kind, ascending: the context builder reads constraints (and the other
    /// sectioned kinds) without scanning the store.
    private(set) var slotsByKind: [String: [Int]] = [:]
    private(set) var liveCount = 0
    private var nextID: UInt64 = 1
    /// The graph's retrieval blend (see `UtilityRetrieval`); kept across reset and compaction.
    var utility = UtilityRetrieval()
    /// The retrieval walk's reusable numbering (see `PageRankScratch`).
    var walkScratch = PageRankScratch()
    /// Sum of the live facts' `usageCount`: the UCB's total-trials term.
    private(set) var totalUses = 0

    /// The N the next minted `ws-N` starts from: logged with each minted id and restored on
    /// replay, so a replayed graph mints what the original would have.
    var mintCounter: UInt64 {
        get { nextID }
        set { nextID = newValue }
    }

    static let compactionFloor = 1024

    func fact(withID id: String) -> Fact? { slotOfID[id].flatMap { slots[$0] } }

    /// `ws-N`, skipping any N a caller already took with its own id.
    mutating func mintID(avoiding reserved: Set<String> = []) -> String {
        while true {
            let id = "ws-\(nextID)"
            nextID += 1
            if slotOfID[id] == nil, !reserved.contains(id) { return id }
        }
    }

    /// Adds `fact`; a fact with the same id is replaced (it moves to the newest position).
    mutating func insert(_ fact: Fact) {
        if slotOfID[fact.id] != nil { _ = remove(id: fact.id) }
        let slot = slots.count
        slots.append(fact)
        slotOfID[fact.id] = slot
        index.insert(slot: slot, terms: Tokenizer.terms(fact.subject, fact.body))
        slotsByKind[fact.kind, default: []].append(slot)
        liveCount += 1
        totalUses += fact.usageCount
    }

    /// Sets a fact's usage and outcome counts in place (its slot, hence its insertion-order
    /// tie-break, stays); false when no fact has `id`.
    mutating func setCounts(id: String, uses: Int, successes: Int, failures: Int) -> Bool {
        guard let slot = slotOfID[id], var fact = slots[slot] else { return false }
        totalUses += uses - fact.usageCount
        fact.usageCount = uses
        fact.successCount = successes
        fact.failureCount = failures
        slots[slot] = fact
        return true
    }

    mutating func remove(id: String) -> Fact? {
        guard let slot = slotOfID.removeValue(forKey: id), let fact = slots[slot] else { return nil }
        slots[slot] = nil
        index.remove(slot: slot)
        // Found first, then removed in place: holding a copy of the list while mutating the
        // dictionary's would copy the whole list on every delete.
        if let at = slotsByKind[fact.kind].flatMap({ Self.position(of: slot, in: $0) }) {
            slotsByKind[fact.kind]?.remove(at: at)
            if slotsByKind[fact.kind]?.isEmpty == true { slotsByKind[fact.kind] = nil }
        }
        liveCount -= 1
        totalUses -= fact.usageCount
        compactIfSparse()
        return fact
    }

    mutating func removeAll() {
        let next = nextID
        let blend = utility
        self = FactStore()
        nextID = next
        utility = blend
    }

    var liveFacts: [Fact] { slots.compactMap { $0 } }

    /// Facts whose kind gives them their own context section.
    var sectionedCount: Int {
        ContextBuilder.sectionedKinds.reduce(0) { $0 + (slotsByKind[$1]?.count ?? 0) }
    }

    func facts(ofKind kind: String) -> [Fact] {
        (slotsByKind[kind] ?? []).compactMap { slots[$0] }
    }

    private mutating func compactIfSparse() {
        let holes = slots.count - liveCount
        guard holes > Self.compactionFloor, holes > liveCount else { return }
        let live = liveFacts
        let next = nextID
        let blend = utility
        self = FactStore()
        nextID = next
        utility = blend
        for fact in live { insert(fact) }
    }

    private static func position(of slot: Int, in list: [Int]) -> Int? {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if list[mid] < slot { low = mid + 1 } else { high = mid }
        }
        return low < list.count && list[low] == slot ? low : nil
    }
}
