import CarJSON
import Synchronization

/// The skills in one memory graph: learned procedures with trigger context, found by
/// spreading activation from a context (persona, URL, task) and kept honest by outcome
/// reports. Ingestion order is the tie-break everywhere, so answers are deterministic.
public final class SkillStore: Sendable {
    struct Store {
        var skills: [Skill] = []
        var indexByName: [String: Int] = [:]
        var nextNodeID = 1
        /// Rejected candidate edits (`SkillLifecycle`), bounded.
        var rejected = RejectedBuffer()

        /// Adds `skill` or replaces the one of its name in place, keeping the node ids fresh.
        mutating func upsert(_ skill: Skill) {
            nextNodeID = max(nextNodeID, skill.nodeID + 1)
            if let index = indexByName[skill.name] {
                skills[index] = skill
            } else {
                indexByName[skill.name] = skills.count
                skills.append(skill)
            }
        }

        mutating func replaceAll(with replacement: [Skill]) {
            self = Store()
            for skill in replacement { upsert(skill) }
        }
    }

    private let store = Mutex(Store())
    let maxSkills: Int
    /// The graph's log, when it has one (see `MemoryRecorder`).
    let recorder: MemoryRecorder?

    public convenience init(maxSkills: Int = 100_000) {
        self.init(maxSkills: maxSkills, recorder: nil)
    }

    init(maxSkills: Int = 100_000, recorder: MemoryRecorder?) {
        self.maxSkills = maxSkills
        self.recorder = recorder
    }

    /// Runs `body` under the store's lock: for changes that must be atomic with the facts'
    /// (the engine takes its fact lock first, then this one; never the other way round).
    func locked<R, E: Error>(_ body: (inout Store) throws(E) -> R) throws(E) -> R {
        try store.withLock { (state) throws(E) -> R in try body(&state) }
    }

    public var count: Int { store.withLock { $0.skills.count } }

    /// Adds a skill, or replaces the one with that name (keeping its node id and stats).
    /// `supersedes` names an older skill that stops being offered. Answers the node id.
    @discardableResult
    public func ingest(name: String, code: String, platform: String, persona: String?, urlPattern: String?,
                       description: String, taskKeywords: [String], supersedes: String?) throws(SkillError) -> Int {
        guard !name.isEmpty else { throw SkillError("a skill needs a name") }
        let limit = maxSkills
        let recorder = self.recorder
        return try store.withLock { (store) throws(SkillError) -> Int in
            let nodeID: Int
            if let index = store.indexByName[name] {
                nodeID = store.skills[index].nodeID
                let old = store.skills[index]
                var replacement = Skill(name: name, code: code, platform: platform, persona: persona, urlPattern: urlPattern,
                                        description: description, taskKeywords: taskKeywords, nodeID: nodeID, stats: old.stats,
                                        supersededBy: old.supersededBy)
                replacement.version = old.version
                store.skills[index] = replacement
            } else {
                guard store.skills.count < limit else { throw SkillError("skill store is full: \(limit) skills is the limit") }
                nodeID = store.nextNodeID
                store.nextNodeID += 1
                store.indexByName[name] = store.skills.count
                store.skills.append(Skill(name: name, code: code, platform: platform, persona: persona, urlPattern: urlPattern,
                                          description: description, taskKeywords: taskKeywords, nodeID: nodeID))
            }
            var changed = [store.skills[store.indexByName[name]!]]
            if let old = supersedes, old != name, let index = store.indexByName[old] {
                store.skills[index].supersededBy = name
                changed.append(store.skills[index])
            }
            recorder?.record(.skills(changed, replace: false))
            return nodeID
        }
    }

    /// Ingests distilled skills (`skills.ingest_distilled`), each active at once: a new name is
    /// added, a known one replaced in place keeping its node and stats. All or nothing: a batch
    /// that would pass `maxSkills` stores none. Answers how many were stored.
    public func ingest(distilled batch: [DistilledSkill]) throws(SkillError) -> Int {
        guard !batch.isEmpty else { return 0 }
        let limit = maxSkills
        let recorder = self.recorder
        return try store.withLock { (store) throws(SkillError) -> Int in
            let fresh = Set(batch.map(\.name).filter { store.indexByName[$0] == nil })
            guard store.skills.count + fresh.count <= limit else {
                throw SkillError("skill store is full: \(limit) skills is the limit")
            }
            var changed: [String: Skill] = [:]
            for item in batch {
                var skill: Skill
                if let index = store.indexByName[item.name] {
                    skill = store.skills[index]
                } else {
                    skill = Skill(name: item.name, code: item.code, platform: item.domain, persona: nil, urlPattern: nil,
                                  description: "", taskKeywords: [], nodeID: store.nextNodeID)
                }
                skill.code = item.code
                skill.platform = item.domain
                skill.persona = item.persona
                skill.urlPattern = item.urlPattern
                skill.description = item.description
                skill.taskKeywords = item.taskKeywords
                skill.whenToApply = item.whenToApply
                skill.scope = item.scope
                skill.source = item.source
                store.upsert(skill)
                changed[skill.name] = skill
            }
            recorder?.record(.skills(batch.compactMap { changed.removeValue(forKey: $0.name) }, replace: false))
            return batch.count
        }
    }

    /// The domains whose skills do worse than `threshold`: a domain's success rate is its
    /// skills' summed successes over their summed reported outcomes (`skill.report`), and a
    /// domain with fewer than `minimumOutcomes` outcomes in all is not judged yet. Skills with
    /// no domain (platform) are not counted, nor are provisional candidates (their trials are
    /// the gate's business). Sorted by name.
    public func domainsNeedingEvolution(threshold: Double, minimumOutcomes: Int = SkillStore.minimumOutcomesToJudge) -> [String] {
        var tally: [String: (success: Int, total: Int)] = [:]
        for skill in store.withLock({ $0.skills }) where !skill.platform.isEmpty && skill.status == .active {
            let outcomes = skill.stats.successCount + skill.stats.failCount
            tally[skill.platform, default: (0, 0)].success += skill.stats.successCount
            tally[skill.platform, default: (0, 0)].total += outcomes
        }
        return tally.filter { $0.value.total >= minimumOutcomes && Double($0.value.success) / Double($0.value.total) < threshold }
            .keys.sorted()
    }

    /// Fewer reported outcomes than this leave a domain unjudged (the reference's rule).
    public static let minimumOutcomesToJudge = 3

    /// The skills the context activates, strongest first; degraded and superseded skills and
    /// provisional candidates are not offered, and neither is a skill no trigger reached.
    /// Empty when nothing matches.
    public func find(persona: String?, url: String?, task: String?, maxResults: Int = 1) -> [SkillMatch] {
        guard maxResults > 0 else { return [] }
        let taskTerms = Set(task.map { Tokenizer.terms($0) } ?? [])
        let skills = store.withLock { $0.skills }
        var matches: [(order: Int, match: SkillMatch)] = []
        for (order, skill) in skills.enumerated() where !skill.stats.degraded && skill.supersededBy == nil && skill.status == .active {
            let score = SkillTriggers.activation(of: skill, persona: persona, url: url, taskTerms: taskTerms)
            if score > 0 { matches.append((order, SkillMatch(skill: skill, matchScore: score))) }
        }
        matches.sort { $0.match.matchScore != $1.match.matchScore ? $0.match.matchScore > $1.match.matchScore : $0.order < $1.order }
        return matches.prefix(maxResults).map(\.match)
    }

    /// Records an outcome ("success" counts as one; anything else is a failure) and answers
    /// the updated stats.
    public func report(skillName: String, outcome: String) throws(SkillError) -> SkillStats {
        try store.withLock { (store) throws(SkillError) -> SkillStats in
            guard let index = store.indexByName[skillName] else { throw SkillError("unknown skill '\(skillName)'") }
            store.skills[index].stats.record(outcome)
            recorder?.record(.skills([store.skills[index]], replace: false))
            return store.skills[index].stats
        }
    }

    /// Every skill in ingestion order; `domain` keeps those of that platform.
    public func list(domain: String? = nil) -> [Skill] {
        let skills = store.withLock { $0.skills }
        guard let domain, !domain.isEmpty else { return skills }
        return skills.filter { $0.platform == domain }
    }

    public func json(of skill: Skill) -> JSONValue { skill.json }

    /// Every skill as JSON, for snapshots.
    public func export() -> [JSONValue] { list().map(\.json) }

    /// Replaces every skill with those given (a snapshot's); all or nothing.
    public func replaceAll(with entries: [JSONValue]) throws(SkillError) {
        let skills = try Self.validated(entries)
        guard skills.count <= maxSkills else { throw SkillError("the snapshot holds more than \(maxSkills) skills") }
        let recorder = self.recorder
        store.withLock { store in
            store.replaceAll(with: skills)
            recorder?.record(.skills(store.skills, replace: true))
        }
    }

    /// A snapshot's skills as they will be stored: a missing node id gets the next free one,
    /// and a later entry of a name replaces the earlier.
    static func validated(_ entries: [JSONValue]) throws(SkillError) -> [Skill] {
        var store = Store()
        for entry in entries {
            var skill = try Skill(json: entry)
            if skill.nodeID <= 0 { skill.nodeID = store.nextNodeID }
            store.upsert(skill)
        }
        return store.skills
    }

    /// Applies a logged `skill_gate` line (replay: nothing is recorded).
    func applyGate(put: [Skill], removed: [String], rejected: [RejectedCandidate]) throws(SkillError) {
        let limit = maxSkills
        try store.withLock { (store) throws(SkillError) in
            store.applyGate(put: put, removed: removed, rejected: rejected)
            guard store.skills.count <= limit else { throw SkillError("more than \(limit) skills") }
        }
    }

    /// Applies a logged `skills` line (replay: nothing is recorded).
    func apply(_ skills: [Skill], replace: Bool, nextNodeID: Int? = nil) throws(SkillError) {
        let limit = maxSkills
        try store.withLock { (store) throws(SkillError) in
            if replace { store = Store() }
            for skill in skills { store.upsert(skill) }
            if let nextNodeID { store.nextNodeID = max(store.nextNodeID, nextNodeID) }
            guard store.skills.count <= limit else { throw SkillError("more than \(limit) skills") }
        }
    }
}
