/// What `consolidate` did: which duplicates were folded into which fact, and which skill
/// candidates the promotion gate resolved.
public struct ConsolidationReport: Sendable, Hashable {
    public struct Group: Sendable, Hashable {
        public var kept: String
        public var removed: [String]

        public init(kept: String, removed: [String]) {
            self.kept = kept
            self.removed = removed
        }
    }

    public var factsBefore: Int
    public var factsAfter: Int
    public var groups: [Group]
    /// What the skill promotion gate resolved.
    public var gate = GateReport()
    /// The candidate keys (`<base>@cand`) the gate promoted and rejected, in ingestion order.
    public var candidatesPromoted: [String] { gate.promoted }
    public var candidatesRejected: [String] { gate.rejected }
    public var merged: Int { groups.reduce(0) { $0 + $1.removed.count } }
}

extension MemoryEngine {
    /// Folds facts that say the same thing — the same kind, subject and body once case and
    /// runs of whitespace are ignored — into the earliest of them, so repeated ingestion does
    /// not crowd retrieval with copies; then runs the skill promotion gate
    /// (`SkillStore.gate`). Idempotent: a second run finds nothing to merge or resolve.
    public func consolidate() -> ConsolidationReport {
        let facts = self.facts
        var firstByKey: [String: Int] = [:]
        var duplicates: [(kept: String, removed: String)] = []
        for (index, fact) in facts.enumerated() {
            let key = Self.normalized(fact.kind) + "\u{1F}" + Self.normalized(fact.subject) + "\u{1F}" + Self.normalized(fact.body)
            guard let first = firstByKey[key] else {
                firstByKey[key] = index
                continue
            }
            duplicates.append((facts[first].id, fact.id))
        }
        // One change for the whole run, so a logged graph writes it as one line.
        let removed = Set(delete(ids: duplicates.map(\.removed)))
        var groups: [ConsolidationReport.Group] = []
        var groupIndexByKept: [String: Int] = [:]
        for duplicate in duplicates where removed.contains(duplicate.removed) {
            if let index = groupIndexByKept[duplicate.kept] {
                groups[index].removed.append(duplicate.removed)
            } else {
                groupIndexByKept[duplicate.kept] = groups.count
                groups.append(.init(kept: duplicate.kept, removed: [duplicate.removed]))
            }
        }
        return ConsolidationReport(factsBefore: facts.count, factsAfter: factCount, groups: groups, gate: skills.gate())
    }

    private static func normalized(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
