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

    static func wire(_ stats: SkillStats) -> CarSchemas.SkillStats {
        .init(degraded: stats.degraded, failCount: stats.failCount, lastOutcome: stats.lastOutcome, successCount: stats.successCount)
    }
}
