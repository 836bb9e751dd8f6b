import CarEngine
import CarGenerated
import CarJSON
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
        let batch = try Self.distilled(params.skills)
        // Up to 10,000 skills: on the blocking pool, as provisional ones are.
        return .init(ingested: try await Self.memoryWrite(offLoop: context) { memory in try memory.skills.ingest(distilled: batch) })
    }

    public func skillsDomainsNeedingEvolution(
        _ params: CarMethods.SkillsDomainsNeedingEvolution.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsDomainsNeedingEvolution.Result {
        let threshold = params.threshold ?? 0.6
        guard threshold.isFinite else { throw CarErrors.invalidParams("threshold must be a finite number") }
        // A scan of every skill (up to the graph's 100,000): off the loop.
        let skills = context.session.effectiveMemory().skills
        return try await context.session.blockingPool.run { skills.domainsNeedingEvolution(threshold: threshold) }
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

    public func skillsIngestProvisional(
        _ params: CarMethods.SkillsIngestProvisional.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsIngestProvisional.Result {
        let batch = try Self.distilled(params.skills)
        let tenant = params.tenant
        // Up to 10,000 candidates, each fingerprinted (SHA-256 of its code): on the blocking pool.
        return .init(ingested: try await Self.memoryWrite(offLoop: context) { memory in
            try memory.skills.ingest(provisional: batch, tenant: tenant)
        })
    }

    public func skillsGate(
        _ params: CarMethods.SkillsGate.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillsGate.Result {
        let events = try context.session.runtime().eventLog
        let report = try await Self.memoryWrite(offLoop: context) { memory in
            let report = memory.skills.gate()
            Self.record(report, in: events)
            return report
        }
        return .init(promoted: report.promoted, rejected: report.rejected)
    }

    public func skillMeta(
        _ params: CarMethods.SkillMeta.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillMeta.Result {
        guard let meta = context.session.effectiveMemory().skills.meta(key: params.key) else { return .null }
        return [
            "key": .string(meta.key), "status": .string(meta.status.rawValue),
            "incumbent": meta.incumbent.map(JSONValue.string) ?? .null, "version": .int(Int64(meta.version)),
            "stats": meta.stats.json, "domain": .string(meta.domain), "tenant": meta.tenant.map(JSONValue.string) ?? .null,
            "superseded_by": meta.supersededBy.map(JSONValue.string) ?? .null,
        ]
    }

    public func skillExport(
        _ params: CarMethods.SkillExport.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillExport.Result {
        context.session.effectiveMemory().skills.exportDocument(key: params.key)
    }

    public func skillImport(
        _ params: CarMethods.SkillImport.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillImport.Result {
        let markdown = params.markdown
        // Parsing and hashing a document of up to 16 MiB: on the blocking pool.
        let skill: Skill
        do {
            skill = try await context.session.blockingPool.run { () throws -> Skill in
                do {
                    return try SkillDocument.parse(markdown)
                } catch let invalid as SkillDocument.Invalid {
                    throw CarErrors.invalidParams(invalid.description)
                }
            }
        } catch {
            throw Self.memoryWriteError(error)
        }
        try await Self.memoryWrite(context) { memory in try memory.skills.importSkill(skill) }
        return .init(imported: true, name: skill.name, version: skill.version)
    }

    public func skillRepair(
        _ params: CarMethods.SkillRepair.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.SkillRepair.Result {
        guard context.session.effectiveMemory().skills.skill(named: params.skillName) != nil else {
            throw CarErrors.invalidParams("skill_name: unknown skill '\(params.skillName)'")
        }
        // Not degraded: nothing to repair. Degraded: repair needs a language model, and
        // without one it fails; both answer null and change nothing.
        return .null
    }

    /// One event per resolved candidate in the session's event log.
    static func record(_ report: GateReport, in events: EventLog) {
        for resolution in report.resolutions {
            var data: [String: JSONValue] = [
                "key": .string(resolution.key), "incumbent": .string(resolution.incumbent),
                "success_count": .int(Int64(resolution.stats.successCount)), "fail_count": .int(Int64(resolution.stats.failCount)),
            ]
            if let version = resolution.version { data["version"] = .int(Int64(version)) }
            events.append(resolution.promoted ? .candidatePromoted : .candidateRejected, data: data)
        }
    }

    /// A `skills` array of DistilledSkill entries, all or nothing (-32602 naming the entry).
    static func distilled(_ skills: [JSONValue]) throws -> [DistilledSkill] {
        do {
            return try DistilledSkill.batch(.array(skills))
        } catch {
            throw CarErrors.invalidParams(error.description)
        }
    }

    /// What a method that needs a language model answers until the daemon has one.
    static var noInferenceEngine: RPCError { CarErrors.internalError("no inference engine configured") }

    static func wire(_ stats: SkillStats) -> CarSchemas.SkillStats {
        .init(degraded: stats.degraded, failCount: stats.failCount, lastOutcome: stats.lastOutcome, successCount: stats.successCount)
    }
}
