import CarEngine
import CarGenerated
import CarJSON
import CarMemory
import CarRPC

/// Proactive memory (`memory.update_status`, `memory.maintain`, `memory.intervene`,
/// `memory.evaluate`) and utility-aware retrieval (`memory.utility_get` / `memory.utility_set`).
/// The policy is in `CarMemory/Proactive` and `CarMemory/Utility`; this file maps wire
/// shapes and the session's event log onto it.
extension CarHandler {
    public func memoryUpdateStatus(
        _ params: CarMethods.MemoryUpdateStatus.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryUpdateStatus.Result {
        do {
            let status = try context.session.proactiveStatus.withLock { try $0.set(body: params.body, tenantID: params.tenantId) }
            return Self.wire(status)
        } catch let refusal as ProactiveStatusSlots.Refusal {
            throw CarErrors.invalidParams(refusal.description)
        }
    }

    public func memoryMaintain(
        _ params: CarMethods.MemoryMaintain.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryMaintain.Result {
        let window = params.maxRecent ?? Self.defaultMaintainWindow
        guard (1...EventLog.defaultCapacity).contains(window) else {
            throw CarErrors.invalidParams("'max_recent' must be between 1 and \(EventLog.defaultCapacity), got \(window)")
        }
        if params.tenantId == "" { throw CarErrors.invalidParams("'tenant_id' must not be empty") }
        let log = try context.session.runtime().eventLog
        let tenant = params.tenantId
        // Reading, converting and mining up to 100,000 events is work that grows with the
        // input: it runs on the blocking pool, and so do the inserts it leads to.
        let creditedBefore = context.session.proactiveStatus.withLock { $0.creditedThrough }
        let (scanned, mined, found) = try await context.session.blockingPool.run {
            let (events, scanned) = Self.minerEvents(log, window: window)
            return (scanned, ProactiveMiner.mine(events, tenantID: tenant), ProactiveMiner.credits(events, after: creditedBefore))
        }
        let inserted = try await Self.memoryWrite(offLoop: context) { memory in try memory.insertMissing(mined.entries) }
        // A maintain that ran meanwhile credited these already: credit nothing twice.
        let credits = context.session.proactiveStatus.withLock { slots in
            guard slots.creditedThrough == creditedBefore else { return [(factID: String, success: Bool)]() }
            slots.creditedThrough = found.through
            return found.credits
        }
        if !credits.isEmpty {
            try await Self.memoryWrite(context) { memory in
                for credit in credits {
                    memory.recordUse(id: credit.factID, uses: 0, successes: credit.success ? 1 : 0, failures: credit.success ? 0 : 1)
                }
            }
        }
        var data: [String: JSONValue] = [
            "saved": .int(Int64(inserted.saved)), "skipped_existing": .int(Int64(inserted.skipped)),
            "scanned": .int(Int64(scanned)), "credited": .int(Int64(credits.count)),
            "trigger": Self.json(mined.trigger),
        ]
        if let tenant { data["tenant"] = .string(tenant) }
        log.append(.proactiveMemoryMaintained, data: data)
        let status = context.session.proactiveStatus.withLock { $0.status(tenantID: tenant) }
        return .init(credited: credits.count, ids: mined.entries.map(\.id), saved: inserted.saved, scanned: scanned,
                     skippedExisting: inserted.skipped, status: status.map(Self.wire), trigger: Self.wire(mined.trigger))
    }

    public func memoryIntervene(
        _ params: CarMethods.MemoryIntervene.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryIntervene.Result {
        let request = try Self.request(.init(force: params.force, maxCandidates: params.maxCandidates, query: params.query,
                                             recent: params.recent, tenantId: params.tenantId, trigger: params.trigger), field: "")
        let log = try context.session.runtime().eventLog
        let memory = context.session.effectiveMemory()
        let selection = try await context.session.blockingPool.run { () -> ProactiveSelection in
            var merged = request
            merged.trigger = request.trigger.merged(with: Self.telemetry(log))
            return memory.proactiveSelect(merged)
        }
        if let selected = selection.selected {
            _ = try await Self.memoryWrite(context) { memory in memory.recordUse(id: selected.fact.id) }
        }
        var data: [String: JSONValue] = [
            "decision": .string(selection.selected == nil ? "silent" : "inject"),
            "candidates": .int(Int64(selection.candidates.count)),
            "bank": ["facts": .int(Int64(selection.bank.facts)), "knowledge": .int(Int64(selection.bank.knowledge)),
                     "procedural": .int(Int64(selection.bank.procedural))],
        ]
        if let selected = selection.selected { data["selected_id"] = .string(selected.fact.id) }
        if let reason = selection.reason { data["reason"] = .string(reason) }
        if let tenant = request.tenantID { data["tenant"] = .string(tenant) }
        log.append(.proactiveMemoryIntervention, data: data)
        return Self.wire(selection)
    }

    public func memoryEvaluate(
        _ params: CarMethods.MemoryEvaluate.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryEvaluate.Result {
        guard params.cases.count <= ProactiveEvaluation.maxCases else {
            throw CarErrors.invalidParams("'cases' holds \(params.cases.count) cases, over the limit of \(ProactiveEvaluation.maxCases)")
        }
        var cases: [ProactiveEvaluation.Case] = []
        cases.reserveCapacity(params.cases.count)
        for (index, item) in params.cases.enumerated() {
            let request = try Self.request(item.request, field: "cases[\(index)].request.")
            cases.append(.init(id: item.id, request: request, relevant: Set(item.relevantFactIds ?? [])))
        }
        let memory = context.session.effectiveMemory()
        let labelled = cases
        let report = try await context.session.blockingPool.run { ProactiveEvaluation.run(labelled, on: memory) }
        return .init(alwaysInject: Self.wire(report.alwaysInject), cases: report.cases, noMemory: Self.wire(report.noMemory),
                     passiveRetrieval: Self.wire(report.passiveRetrieval), selective: Self.wire(report.selective))
    }

    public func memoryUtilityGet(
        _ params: CarMethods.MemoryUtilityGet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryUtilityGet.Result {
        Self.wire(context.session.effectiveMemory().utilityRetrieval)
    }

    public func memoryUtilitySet(
        _ params: CarMethods.MemoryUtilitySet.Params, context: RPCContext<ClientSession>
    ) async throws -> CarMethods.MemoryUtilitySet.Result {
        try await Self.memoryWrite(context) { memory in
            Self.wire(memory.setUtilityRetrieval(weight: params.utilityWeight, exploration: params.utilityExploration))
        }
    }

    // MARK: Steps

    static let defaultMaintainWindow = 32
    /// Events `memory.intervene` reads for telemetry.
    static let telemetryWindow = 32

    /// The last `window` events, oldest first, as the miner sees them, and how many were read.
    static func minerEvents(_ log: EventLog, window: Int) -> ([ProactiveMiner.Event], Int) {
        let recent = log.query(EventQuery(limit: window))
        var events: [ProactiveMiner.Event] = []
        for event in recent.reversed() {
            let tool = event.data["tool"]?.stringValue
            let reason = event.data["error"]?.stringValue ?? event.data["reason"]?.stringValue
            let kind: ProactiveMiner.Event.Kind
            var attempt: Int?
            switch event.kind {
            case .actionFailed: kind = .failed
            case .actionRejected: kind = .rejected
            case .toolCallbackTimedOut: kind = .timedOut
            case .actionSucceeded: kind = .succeeded
            case .toolCallbackSent:
                guard let number = event.data["attempt"]?.intValue, number > 1 else { continue }
                kind = .retried
                attempt = Int(clamping: number)
            case .proactiveMemoryIntervention:
                kind = .intervention
                events.append(.init(seq: event.seq, kind: kind, reason: event.data["selected_id"]?.stringValue))
                continue
            default:
                continue
            }
            events.append(.init(seq: event.seq, kind: kind, tool: tool, actionID: event.actionID, reason: reason, attempt: attempt))
        }
        return (events, recent.count)
    }

    /// What the session's recent events say: failed and timed-out actions among the last few.
    static func telemetry(_ log: EventLog) -> ProactiveTrigger {
        let (events, _) = minerEvents(log, window: telemetryWindow)
        let failures = events.filter { $0.kind == .failed || $0.kind == .timedOut }.count
        return ProactiveTrigger(repeatedFailures: failures, toolError: failures > 0)
    }

    static func request(_ wire: CarSchemas.ProactiveMemoryRequest, field prefix: String) throws -> ProactiveRequest {
        let candidates = wire.maxCandidates ?? ProactiveRequest.defaultCandidates
        guard ProactiveRequest.candidateRange.contains(candidates) else {
            throw CarErrors.invalidParams("'\(prefix)max_candidates' must be between \(ProactiveRequest.candidateRange.lowerBound) and "
                                          + "\(ProactiveRequest.candidateRange.upperBound), got \(candidates)")
        }
        if let failures = wire.trigger?.repeatedFailures, failures < 0 {
            throw CarErrors.invalidParams("'\(prefix)trigger.repeated_failures' must be >= 0, got \(failures)")
        }
        if let recent = wire.recent, recent.count > 4 * ProactiveRequest.maxRecent {
            throw CarErrors.invalidParams("'\(prefix)recent' holds \(recent.count) lines, over the limit of \(4 * ProactiveRequest.maxRecent)")
        }
        if wire.tenantId == "" { throw CarErrors.invalidParams("'\(prefix)tenant_id' must not be empty") }
        let trigger = wire.trigger.map {
            ProactiveTrigger(repeatedFailures: $0.repeatedFailures ?? 0, toolError: $0.toolError ?? false,
                             explicitUncertainty: $0.explicitUncertainty ?? false, highRiskAction: $0.highRiskAction ?? false,
                             contextShift: $0.contextShift ?? false)
        } ?? ProactiveTrigger()
        return ProactiveRequest(query: wire.query ?? "", recent: wire.recent ?? [], trigger: trigger, force: wire.force ?? false,
                                maxCandidates: candidates, tenantID: wire.tenantId)
    }

    static func wire(_ status: ProactiveStatusSlots.Status) -> CarSchemas.ProactiveStatus {
        .init(body: status.body, id: status.id, tenantId: status.tenantID)
    }

    static func wire(_ trigger: ProactiveTrigger) -> CarSchemas.ProactiveTrigger {
        .init(contextShift: trigger.contextShift, explicitUncertainty: trigger.explicitUncertainty, highRiskAction: trigger.highRiskAction,
              repeatedFailures: trigger.repeatedFailures, toolError: trigger.toolError)
    }

    static func json(_ trigger: ProactiveTrigger) -> JSONValue {
        ["repeated_failures": .int(Int64(trigger.repeatedFailures)), "tool_error": .bool(trigger.toolError),
         "explicit_uncertainty": .bool(trigger.explicitUncertainty), "high_risk_action": .bool(trigger.highRiskAction),
         "context_shift": .bool(trigger.contextShift)]
    }

    static func wire(_ selection: ProactiveSelection) -> CarSchemas.ProactiveDecision {
        let bank = CarSchemas.ProactiveDecision.Bank(facts: selection.bank.facts, knowledge: selection.bank.knowledge,
                                                     procedural: selection.bank.procedural)
        let selected = selection.selected.map {
            CarSchemas.ProactiveDecision.Selected(body: $0.fact.body, id: $0.fact.id, kind: $0.fact.kind, score: $0.score,
                                                  subject: $0.fact.subject)
        }
        return .init(bank: bank, candidates: selection.candidates.count, decision: selected == nil ? .silent : .inject,
                     reason: selection.reason, reminder: selection.reminder, selected: selected)
    }

    static func wire(_ report: ProactiveEvaluation.ModeReport) -> CarSchemas.ProactiveModeReport {
        .init(avgCandidatesExposed: report.averageCandidatesExposed, falseNegatives: report.falseNegatives,
              falsePositives: report.falsePositives, interruptionRate: report.interruptionRate, interventions: report.interventions,
              precision: report.precision, recall: report.recall, truePositives: report.truePositives)
    }

    static func wire(_ blend: UtilityRetrieval) -> CarSchemas.UtilityRetrieval {
        .init(utilityExploration: blend.exploration, utilityWeight: blend.weight)
    }
}
