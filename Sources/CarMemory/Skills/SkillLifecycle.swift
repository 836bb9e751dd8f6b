import CarJSON

/// Where a skill is in its lifecycle. Distilled and directly ingested skills are active at
/// once; `skills.ingest_provisional` adds candidates that must beat their incumbent on real
/// outcomes (`skill.report` on the candidate's key) before the gate makes them active.
public enum SkillStatus: String, Sendable, Hashable {
    case active
    case provisional
}

/// The validation gate's rules: how many trial outcomes a candidate needs before it is judged,
/// how it is judged, and how many rejected edits are remembered.
public enum SkillLifecycle {
    /// A candidate's key: its base name with this suffix.
    public static let candidateSuffix = "@cand"
    /// Trial outcomes (successes + failures reported on the candidate) before the gate
    /// judges it; fewer leave it on trial.
    public static let minTrialSamples = 5
    /// Rejected edits remembered (oldest forgotten first): a rejected candidate whose base and
    /// code match one of them is skipped by later ingests.
    public static let rejectedCapacity = 1_024
    /// The normal quantile of the Wilson interval (95 %, two-sided).
    public static let z = 1.96

    public static func candidateKey(for base: String) -> String { base + candidateSuffix }

    public static func isCandidateKey(_ name: String) -> Bool { name.hasSuffix(candidateSuffix) }

    /// The lower bound of the Wilson score interval for `successes` out of `trials`: 0 with no
    /// trials, so an untried incumbent is beaten by any candidate with a success and one
    /// that never succeeded beats nothing.
    public static func wilsonLowerBound(successes: Int, trials: Int, z: Double = SkillLifecycle.z) -> Double {
        guard trials > 0 else { return 0 }
        let n = Double(trials), p = Double(min(max(successes, 0), trials)) / n, z2 = z * z
        let centre = p + z2 / (2 * n)
        let margin = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return max(0, (centre - margin) / (1 + z2 / n))
    }

    public static func wilsonLowerBound(_ stats: SkillStats) -> Double {
        wilsonLowerBound(successes: stats.successCount, trials: stats.outcomes)
    }

    /// What the gate decides for a candidate with `candidate` trial stats against an incumbent
    /// with `incumbent` stats (nil: no incumbent, judged as an untried one): nil while it has
    /// fewer than `minTrialSamples` outcomes, true to promote (its lower bound strictly beats
    /// the incumbent's), false to reject.
    public static func verdict(candidate: SkillStats, incumbent: SkillStats?, minTrialSamples: Int = SkillLifecycle.minTrialSamples) -> Bool? {
        guard candidate.outcomes >= minTrialSamples else { return nil }
        return wilsonLowerBound(candidate) > wilsonLowerBound(incumbent ?? SkillStats())
    }
}

/// A rejected edit: the candidate's key and the SHA-256 of its code. An ingest of the same
/// base with the same code is skipped; a different edit of the same base may still trial.
public struct RejectedCandidate: Sendable, Hashable {
    public var key: String
    public var codeSHA256: String

    public init(key: String, codeSHA256: String) {
        self.key = key
        self.codeSHA256 = codeSHA256
    }

    public init(key: String, code: String) {
        self.init(key: key, codeSHA256: SHA256.hex(code.utf8))
    }

    var json: JSONValue { ["key": .string(key), "code_sha256": .string(codeSHA256)] }

    init?(json: JSONValue) {
        guard let key = json["key"]?.stringValue, let digest = json["code_sha256"]?.stringValue else { return nil }
        self.init(key: key, codeSHA256: digest)
    }
}

/// The rejected-edit buffer: at most `capacity` entries, oldest dropped first, with a set for
/// the membership test ingests make.
public struct RejectedBuffer: Sendable {
    /// Storage: `entries[head...]` are the live ones.
    private(set) var entries: [RejectedCandidate] = []
    private var members: Set<RejectedCandidate> = []
    private var head = 0
    public let capacity: Int

    public init(capacity: Int = SkillLifecycle.rejectedCapacity) { self.capacity = max(1, capacity) }

    public var count: Int { entries.count - head }

    /// Oldest first.
    public var ordered: [RejectedCandidate] { Array(entries[head...]) }

    public func contains(_ entry: RejectedCandidate) -> Bool { members.contains(entry) }

    public mutating func append(_ entry: RejectedCandidate) {
        guard !members.contains(entry) else { return }
        entries.append(entry)
        members.insert(entry)
        while count > capacity {
            members.remove(entries[head])
            head += 1
        }
        // Keep the dropped prefix from growing without bound.
        if head > capacity {
            entries.removeFirst(head)
            head = 0
        }
    }
}

/// What one run of the gate resolved, in the order the candidates were ingested.
public struct GateReport: Sendable, Hashable {
    /// One resolved candidate: its key, the base it trialed for, its trial stats, and for a
    /// promotion the version the base now has.
    public struct Resolution: Sendable, Hashable {
        public var key: String
        public var incumbent: String
        public var promoted: Bool
        public var version: Int?
        public var stats: SkillStats
    }

    public var promoted: [String] = []
    public var rejected: [String] = []
    /// Every resolution, in order.
    public var resolutions: [Resolution] = []

    public init(promoted: [String] = [], rejected: [String] = []) {
        self.promoted = promoted
        self.rejected = rejected
    }
}

/// A skill's lifecycle view (`skill.meta`).
public struct SkillMeta: Sendable, Hashable {
    public var key: String
    public var status: SkillStatus
    public var incumbent: String?
    public var version: Int
    public var stats: SkillStats
    public var domain: String
    public var tenant: String?
    public var supersededBy: String?
}

extension SkillStore {
    /// Ingests validation-gated candidates (`skills.ingest_provisional`): each becomes a
    /// provisional skill keyed `<name>@cand` with zeroed stats, trialing against the active
    /// skill `<name>` (which need not exist yet). Skipped, and not counted: a candidate whose
    /// key is already on trial, one whose key and code the rejected buffer holds, and a later
    /// entry of a name the batch already holds. All or nothing: a batch that would pass the
    /// skill limit stores none. Answers how many candidates were stored.
    public func ingest(provisional batch: [DistilledSkill], tenant: String?) throws(SkillError) -> Int {
        for (index, item) in batch.enumerated() where SkillLifecycle.isCandidateKey(item.name) {
            throw SkillError("skills[\(index)].name must be the base name, without the '\(SkillLifecycle.candidateSuffix)' suffix")
        }
        guard !batch.isEmpty else { return 0 }
        let limit = maxSkills
        let recorder = self.recorder
        return try locked { (store) throws(SkillError) -> Int in
            var seen: Set<String> = []
            var fresh: [Skill] = []
            var nextNodeID = store.nextNodeID
            for item in batch {
                let key = SkillLifecycle.candidateKey(for: item.name)
                guard store.indexByName[key] == nil, seen.insert(key).inserted else { continue }
                guard !store.rejected.contains(RejectedCandidate(key: key, code: item.code)) else { continue }
                var skill = Skill(name: key, code: item.code, platform: item.domain, persona: item.persona, urlPattern: item.urlPattern,
                                  description: item.description, taskKeywords: item.taskKeywords, nodeID: nextNodeID)
                nextNodeID += 1
                skill.whenToApply = item.whenToApply
                skill.scope = item.scope
                skill.source = item.source
                skill.status = .provisional
                skill.incumbent = item.name
                skill.tenant = tenant
                fresh.append(skill)
            }
            guard store.skills.count + fresh.count <= limit else {
                throw SkillError("skill store is full: \(limit) skills is the limit")
            }
            for skill in fresh { store.upsert(skill) }
            if !fresh.isEmpty { recorder?.record(.skills(fresh, replace: false)) }
            return fresh.count
        }
    }

    /// Runs the promotion gate over every provisional candidate with at least
    /// `minTrialSamples` trial outcomes. A candidate whose Wilson lower bound strictly beats
    /// its incumbent's (an absent incumbent counts as untried, bound 0) replaces it: the active
    /// skill `<base>` takes the candidate's content and trial stats, keeps its node, and its
    /// version goes up by one (a new base starts at 1). Any other judged candidate is removed
    /// and remembered in the rejected buffer. One logged change for the whole run.
    public func gate(minTrialSamples: Int = SkillLifecycle.minTrialSamples) -> GateReport {
        let recorder = self.recorder
        return locked { store in
            var report = GateReport()
            var put: [Skill] = []
            var removed: Set<String> = []
            var rejected: [RejectedCandidate] = []
            for candidate in store.skills where candidate.status == .provisional {
                guard let base = candidate.incumbent else { continue }
                let incumbentIndex = store.indexByName[base]
                let incumbent = incumbentIndex.map { store.skills[$0] }
                guard let promote = SkillLifecycle.verdict(candidate: candidate.stats, incumbent: incumbent?.stats,
                                                           minTrialSamples: minTrialSamples) else { continue }
                removed.insert(candidate.name)
                if promote {
                    var winner = candidate
                    winner.name = base
                    winner.status = .active
                    winner.incumbent = nil
                    // The tenant named the trial; the promoted skill is everyone's, as an import's is.
                    winner.tenant = nil
                    winner.nodeID = incumbent?.nodeID ?? candidate.nodeID
                    winner.version = min((incumbent?.version ?? 0) + 1, Int(Int32.max))
                    winner.supersededBy = incumbent?.supersededBy
                    put.append(winner)
                    report.promoted.append(candidate.name)
                    report.resolutions.append(.init(key: candidate.name, incumbent: base, promoted: true, version: winner.version,
                                                    stats: candidate.stats))
                } else {
                    rejected.append(RejectedCandidate(key: candidate.name, code: candidate.code))
                    report.rejected.append(candidate.name)
                    report.resolutions.append(.init(key: candidate.name, incumbent: base, promoted: false, version: nil,
                                                    stats: candidate.stats))
                }
            }
            guard !removed.isEmpty else { return report }
            store.applyGate(put: put, removed: removed, rejected: rejected)
            recorder?.record(.skillGate(put: put, removed: report.resolutions.map(\.key), rejected: rejected))
            return report
        }
    }

    /// The lifecycle view of the skill stored under `key` (an active name or a candidate key).
    public func meta(key: String) -> SkillMeta? {
        locked { store in
            guard let index = store.indexByName[key] else { return nil }
            let skill = store.skills[index]
            return SkillMeta(key: skill.name, status: skill.status, incumbent: skill.incumbent, version: skill.version,
                             stats: skill.stats, domain: skill.platform, tenant: skill.tenant, supersededBy: skill.supersededBy)
        }
    }

    /// The rejected buffer, oldest first.
    public var rejectedCandidates: [RejectedCandidate] { locked { $0.rejected.ordered } }

    /// The skill under `name`, if any.
    public func skill(named name: String) -> Skill? {
        locked { store in store.indexByName[name].map { store.skills[$0] } }
    }

    /// Stores an imported skill (`skill.import`) as a fresh active skill with zeroed stats,
    /// replacing one of its name in place (its node kept) or adding it.
    public func importSkill(_ imported: Skill) throws(SkillError) {
        guard !imported.name.isEmpty, !SkillLifecycle.isCandidateKey(imported.name) else {
            throw SkillError("an imported skill needs an active name (not a '\(SkillLifecycle.candidateSuffix)' key)")
        }
        let limit = maxSkills
        let recorder = self.recorder
        try locked { (store) throws(SkillError) in
            var skill = imported
            skill.status = .active
            skill.incumbent = nil
            skill.tenant = nil
            skill.stats = SkillStats()
            if let index = store.indexByName[skill.name] {
                skill.nodeID = store.skills[index].nodeID
                skill.supersededBy = store.skills[index].supersededBy
            } else {
                guard store.skills.count < limit else { throw SkillError("skill store is full: \(limit) skills is the limit") }
                skill.nodeID = store.nextNodeID
                skill.supersededBy = nil
            }
            store.upsert(skill)
            recorder?.record(.skills([skill], replace: false))
        }
    }
}

extension SkillStore.Store {
    /// A gate's effect: promoted skills put, resolved candidates removed, rejected edits
    /// remembered. Replay applies a logged gate the same way.
    mutating func applyGate<Names: Sequence>(put: [Skill], removed: Names, rejected: [RejectedCandidate]) where Names.Element == String {
        for skill in put { upsert(skill) }
        remove(names: Set(removed))
        for entry in rejected { self.rejected.append(entry) }
    }

    /// Removes the skills of these names, keeping the order of the rest.
    mutating func remove(names: Set<String>) {
        guard names.contains(where: { indexByName[$0] != nil }) else { return }
        skills.removeAll { names.contains($0.name) }
        indexByName.removeAll(keepingCapacity: true)
        for (index, skill) in skills.enumerated() { indexByName[skill.name] = index }
    }
}
