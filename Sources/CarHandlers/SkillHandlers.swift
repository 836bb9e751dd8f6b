import CarGenerated
import CarMemory
import CarRPC

extension CarHandler {
    public func skillIngest(
        _ params: CarMethods.SkillIngest.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillIngest.Result {
        try await Self.memoryWrite(context) { memory in
            try memory.skills.ingest(
                name: params.name, code: params.code, platform: params.platform ?? "", persona: params.persona,
                urlPattern: params.urlPattern, description: params.description ?? "", taskKeywords: params.taskKeywords ?? [],
                supersedes: params.supersedes ?? params.supersedesSkill)
        }
    }

    public func skillFind(
        _ params: CarMethods.SkillFind.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillFind.Result {
        let matches = context.session.effectiveMemory().skills.find(
            persona: params.persona, url: params.url, task: params.task, maxResults: params.maxResults ?? 1)
        // null, not []: the official example indexes [0] of whatever is not "null".
        guard !matches.isEmpty else { return nil }
        return matches.map {
            .init(code: $0.skill.code, description: $0.skill.description, matchScore: $0.matchScore, name: $0.skill.name,
                  platform: $0.skill.platform, stats: Self.wire($0.skill.stats))
        }
    }

    public func skillReport(
        _ params: CarMethods.SkillReport.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillReport.Result {
        Self.wire(try await Self.memoryWrite(context) { memory in
            try memory.skills.report(skillName: params.skillName, outcome: params.outcome)
        })
    }

    public func skillsList(
        _ params: CarMethods.SkillsList.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsList.Result {
        let skills = context.session.effectiveMemory().skills
        return skills.list(domain: params.domain).map(skills.json(of:))
    }

    public func skillsIngestDistilled(
        _ params: CarMethods.SkillsIngestDistilled.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsIngestDistilled.Result {
        let batch: [DistilledSkill]
        do {
            batch = try DistilledSkill.batch(.array(params.skills))
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
        return .init(ingested: try await Self.memoryWrite(context) { memory in try memory.skills.ingest(distilled: batch) })
    }

    public func skillsDomainsNeedingEvolution(
        _ params: CarMethods.SkillsDomainsNeedingEvolution.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsDomainsNeedingEvolution.Result {
        let threshold = params.threshold ?? 0.6
        guard threshold.isFinite else { throw CarErrors.invalidParams("threshold must be a finite number") }
        return context.session.effectiveMemory().skills.domainsNeedingEvolution(threshold: threshold)
    }

    public func skillsDistill(
        _ params: CarMethods.SkillsDistill.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsDistill.Result {
        throw Self.noInferenceEngine
    }

    public func skillsEvolve(
        _ params: CarMethods.SkillsEvolve.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsEvolve.Result {
        throw Self.noInferenceEngine
    }

    /// What a method that needs a language model answers until the daemon has one.
    static var noInferenceEngine: RPCError { CarErrors.internalError("no inference engine configured") }

    static func wire(_ stats: SkillStats) -> CarSchemas.SkillStats {
        .init(degraded: stats.degraded, failCount: stats.failCount, lastOutcome: stats.lastOutcome, successCount: stats.successCount)
    }
}
