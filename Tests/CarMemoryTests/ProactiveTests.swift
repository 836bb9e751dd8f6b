import CarJSON
@testable import CarMemory
import Foundation
import Testing

/// The labelled proactive corpus kept at scripts/memory/evaluate_cases.json (the wire
/// acceptance script uses the same file).
enum ProactiveCorpus {
    static var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/memory/evaluate_cases.json").path
    }

    static func load() throws -> (engine: MemoryEngine, cases: [ProactiveEvaluation.Case]) {
        let document = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let engine = MemoryEngine()
        for fact in document["facts"]?.arrayValue ?? [] {
            try engine.addFact(subject: fact["subject"]!.stringValue!, body: fact["body"]!.stringValue!,
                               kind: fact["kind"]!.stringValue!, id: fact["id"]!.stringValue!)
        }
        var cases: [ProactiveEvaluation.Case] = []
        for entry in document["cases"]?.arrayValue ?? [] {
            let request = entry["request"]!
            let trigger = request["trigger"]
            let wanted = ProactiveRequest(
                query: request["query"]?.stringValue ?? "",
                trigger: ProactiveTrigger(repeatedFailures: Int(trigger?["repeated_failures"]?.intValue ?? 0),
                                          toolError: trigger?["tool_error"]?.boolValue ?? false,
                                          explicitUncertainty: trigger?["explicit_uncertainty"]?.boolValue ?? false,
                                          highRiskAction: trigger?["high_risk_action"]?.boolValue ?? false,
                                          contextShift: trigger?["context_shift"]?.boolValue ?? false))
            cases.append(.init(id: entry["id"]!.stringValue!, request: wanted,
                               relevant: Set(entry["relevant_fact_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [])))
        }
        return (engine, cases)
    }
}

@Suite("proactive memory")
struct ProactiveTests {
    @Test func theSelectivePolicyBeatsAlwaysInjectOnTheLabelledCases() throws {
        let (engine, cases) = try ProactiveCorpus.load()
        #expect(cases.count >= 30)
        let report = ProactiveEvaluation.run(cases, on: engine)
        for entry in cases {
            let selection = engine.proactiveSelect(entry.request)
            print("case \(entry.id): \(selection.selected?.fact.id ?? "silent") best=\(selection.candidates.first.map { "\($0.fact.id) \($0.score) g=\($0.grounding)" } ?? "-") \(selection.reason ?? "")")
        }
        print("selective p=\(report.selective.precision) r=\(report.selective.recall) i=\(report.selective.interruptionRate); "
              + "always p=\(report.alwaysInject.precision) r=\(report.alwaysInject.recall); passive p=\(report.passiveRetrieval.precision)")
        #expect(report.selective.precision > report.alwaysInject.precision)
        #expect(report.selective.interruptionRate < report.alwaysInject.interruptionRate)
        #expect(report.selective.recall >= 0.8)
        #expect(report.noMemory.interventions == 0 && report.noMemory.recall == 0)
        #expect(report.passiveRetrieval.averageCandidatesExposed > report.alwaysInject.averageCandidatesExposed)
        // Deterministic: the same graph and cases give the same report.
        let again = ProactiveEvaluation.run(cases, on: engine)
        #expect(again.selective == report.selective && again.alwaysInject == report.alwaysInject)
    }

    @Test func silenceHasAReason() throws {
        let engine = MemoryEngine()
        let empty = engine.proactiveSelect(ProactiveRequest(query: "why does the deploy fail?"))
        #expect(empty.selected == nil && empty.reason == "no remembered fact matches the request")
        let blank = engine.proactiveSelect(ProactiveRequest())
        #expect(blank.selected == nil && blank.reason != nil)
        try engine.addFact(subject: "team_lunch", body: "the team lunch is on Thursdays", kind: "pattern", id: "x")
        let weak = engine.proactiveSelect(ProactiveRequest(query: "summarize the notes of the team meeting for the board"))
        #expect(weak.selected == nil && weak.candidates.count == 1)
        // force is for ablations: it injects whatever is best.
        let forced = engine.proactiveSelect(ProactiveRequest(query: "summarize the notes of the team meeting", force: true))
        #expect(forced.selected?.fact.id == "x")
    }

    @Test func triggersBiasTowardProceduralEvidence() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "deploy_checklist", body: "deploy staging after the release notes are approved", kind: "knowledge", id: "k")
        try engine.addFact(subject: "deploy_failure", body: "deploy staging fails when the token expired; refresh it", kind: "procedural", id: "p")
        let calm = engine.proactiveSelect(ProactiveRequest(query: "deploy staging"))
        let pressed = engine.proactiveSelect(ProactiveRequest(query: "deploy staging", trigger: ProactiveTrigger(toolError: true)))
        #expect(pressed.selected?.fact.id == "p")
        #expect(pressed.threshold < calm.threshold)
        let risky = engine.proactiveSelect(ProactiveRequest(query: "deploy staging", trigger: ProactiveTrigger(highRiskAction: true)))
        #expect(risky.selected?.fact.id == "k")
    }

    @Test func aTenantSeesItsOwnAndUntenantedFacts() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "deploy", body: "acme deploys need the acme token", kind: "procedural", id: "a", source: "tenant:acme")
        try engine.addFact(subject: "deploy", body: "globex deploys need the globex token", kind: "procedural", id: "g", source: "tenant:globex")
        let acme = engine.proactiveSelect(ProactiveRequest(query: "deploy token", tenantID: "acme"))
        #expect(acme.candidates.map(\.fact.id) == ["a"])
    }

    @Test func miningIsIdempotentWithStableIDs() throws {
        let events: [ProactiveMiner.Event] = [
            .init(seq: 1, kind: .failed, tool: "deploy", actionID: "a1", reason: "exit status 3 after 120 ms"),
            .init(seq: 2, kind: .retried, tool: "deploy", attempt: 2),
            .init(seq: 3, kind: .failed, tool: "deploy", actionID: "a7", reason: "exit status 3 after 95 ms"),
            .init(seq: 4, kind: .rejected, tool: "rm", reason: "policy 'no-rm' forbids it"),
            .init(seq: 5, kind: .timedOut, tool: "search", reason: "no answer within 5000 ms"),
            .init(seq: 6, kind: .succeeded, tool: "deploy"),
        ]
        let mined = ProactiveMiner.mine(events, tenantID: nil)
        // The two deploy failures differ only in numbers: one memory.
        #expect(mined.entries.count == 4)
        #expect(Set(mined.entries.map(\.id)).count == 4)
        #expect(mined.entries.allSatisfy { $0.kind == "procedural" && $0.id.hasPrefix("proactive-") })
        #expect(mined.trigger.repeatedFailures == 4 && mined.trigger.toolError && mined.trigger.highRiskAction)
        #expect(ProactiveMiner.mine(events, tenantID: nil).entries.map(\.id) == mined.entries.map(\.id))

        let engine = MemoryEngine()
        let first = try engine.insertMissing(mined.entries)
        #expect(first.saved == 4 && first.skipped == 0)
        for _ in 0..<2 {
            let again = try engine.insertMissing(ProactiveMiner.mine(events, tenantID: nil).entries)
            #expect(again.saved == 0 && again.skipped == 4)
        }
        #expect(engine.factCount == 4)
    }

    @Test func injectionsAreCreditedOnceWithTheirOutcome() {
        let events: [ProactiveMiner.Event] = [
            .init(seq: 1, kind: .intervention, reason: "f1"),
            .init(seq: 2, kind: .succeeded),
            .init(seq: 3, kind: .intervention, reason: "f2"),
            .init(seq: 4, kind: .failed, reason: "boom"),
            .init(seq: 5, kind: .intervention, reason: "f3"),
        ]
        let first = ProactiveMiner.credits(events, after: 0)
        #expect(first.credits.map(\.factID) == ["f1", "f2"] && first.credits.map(\.success) == [true, false])
        #expect(first.through == 4)
        let second = ProactiveMiner.credits(events + [.init(seq: 6, kind: .succeeded)], after: first.through)
        #expect(second.credits.map(\.factID) == ["f3"] && second.through == 6)
        #expect(ProactiveMiner.credits(events, after: 6).credits.isEmpty)
    }

    @Test func statusSlotsAreBoundedAndClearable() throws {
        var slots = ProactiveStatusSlots()
        let global = try slots.set(body: "halfway", tenantID: nil)
        #expect(global.id == "proactive-status:global")
        #expect(try slots.set(body: "x", tenantID: "acme").id == "proactive-status:acme")
        #expect(throws: ProactiveStatusSlots.Refusal.self) {
            var copy = slots
            _ = try copy.set(body: String(repeating: "a", count: 16 * 1024 + 1), tenantID: nil)
        }
        for index in 0..<62 { _ = try slots.set(body: "b", tenantID: "t\(index)") }
        #expect(throws: ProactiveStatusSlots.Refusal.self) {
            var copy = slots
            _ = try copy.set(body: "b", tenantID: "one-too-many")
        }
        let cleared = slots.clear(id: "proactive-status:acme")
        let clearedAgain = slots.clear(id: "proactive-status:acme")
        #expect(cleared && !clearedAgain)
        #expect(slots.status(tenantID: nil)?.body == "halfway")
    }
}

@Suite("utility-aware retrieval")
struct UtilityRetrievalTests {
    @Test func weightZeroLeavesTheRankingExactlyUnchanged() throws {
        let engine = try LabelledCorpus.engine()
        let queries = LabelledCorpus.queries.map(\.query) + ["what does the React frontend use", "deploy"]
        let before = queries.map { engine.query($0, k: 40) }
        let contextBefore = queries.map { engine.buildContext(query: $0) }
        // Evidence on some facts and the widest exploration: still nothing moves at weight 0.
        engine.recordUse(id: "d1", uses: 9, successes: 9)
        engine.recordUse(id: "f3", uses: 5, failures: 5)
        engine.setUtilityRetrieval(weight: 0, exploration: 4)
        #expect(queries.map { engine.query($0, k: 40) }.map { $0.map(\.fact.id) } == before.map { $0.map(\.fact.id) })
        #expect(queries.map { engine.query($0, k: 40) }.map { $0.map(\.score) } == before.map { $0.map(\.score) })
        #expect(queries.map { engine.buildContext(query: $0) } == contextBefore)
        var total = 0.0
        for (query, relevant) in LabelledCorpus.queries { total += LabelledCorpus.precisionAt3(engine, query, relevant) }
        #expect(total / Double(LabelledCorpus.queries.count) >= RetrievalQualityTests.threshold)
    }

    @Test func aUsefulFactRisesWhenUtilityCounts() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "deploy_a", body: "deploy with the blue script", kind: "pattern", id: "a")
        try engine.addFact(subject: "deploy_b", body: "deploy with the green script", kind: "pattern", id: "b")
        let relevance = engine.query("deploy script", k: 2).map(\.fact.id)
        #expect(relevance.count == 2)
        // The one relevance puts first keeps failing, the other keeps working.
        engine.recordUse(id: relevance[0], uses: 10, failures: 10)
        engine.recordUse(id: relevance[1], uses: 10, successes: 10)
        #expect(engine.query("deploy script", k: 2).map(\.fact.id) == relevance, "weight 0 ignores the evidence")
        engine.setUtilityRetrieval(weight: 0.5, exploration: 0)
        #expect(engine.query("deploy script", k: 2).map(\.fact.id) == relevance.reversed())
    }

    @Test func settingsClampAndKeepOmittedFields() {
        let engine = MemoryEngine()
        #expect(engine.utilityRetrieval == UtilityRetrieval(weight: 0, exploration: 1))
        #expect(engine.setUtilityRetrieval(weight: 2, exploration: -1) == UtilityRetrieval(weight: 1, exploration: 0))
        #expect(engine.setUtilityRetrieval(weight: nil, exploration: 9) == UtilityRetrieval(weight: 1, exploration: 4))
        #expect(engine.setUtilityRetrieval(weight: .nan, exploration: nil) == UtilityRetrieval(weight: 0, exploration: 4))
        #expect(engine.setUtilityRetrieval(weight: .infinity, exploration: -.infinity) == UtilityRetrieval(weight: 0, exploration: 0))
    }

    @Test func countsAndTheBlendSurviveReplayAndCompaction() throws {
        let path = MemoryLogReplayTests.logPath()
        do {
            let log = try MemoryLog.open(path: path)
            try log.engine.addFact(subject: "s", body: "first fact", kind: "pattern", id: "f1")
            try log.engine.addFact(subject: "s", body: "second fact", kind: "pattern", id: "f2")
            log.engine.recordUse(id: "f1", uses: 3, successes: 2, failures: 1)
            log.engine.setUtilityRetrieval(weight: 0.3, exploration: 2)
            try log.flush()
        }
        do {
            let replayed = try MemoryLog.open(path: path)
            #expect(replayed.engine.facts.map(\.id) == ["f1", "f2"])   // counts changed no order
            #expect(replayed.engine.fact(id: "f1")?.usageCount == 3 && replayed.engine.fact(id: "f1")?.successCount == 2)
            #expect(replayed.engine.utilityRetrieval == UtilityRetrieval(weight: 0.3, exploration: 2))
            #expect(replayed.beginCompaction())
            try replayed.adopt(try replayed.writeCompaction())
        }
        let compacted = try MemoryLog.open(path: path)
        #expect(compacted.engine.facts.map(\.id) == ["f1", "f2"])
        #expect(compacted.engine.fact(id: "f1")?.failureCount == 1)
        #expect(compacted.engine.utilityRetrieval == UtilityRetrieval(weight: 0.3, exploration: 2))
    }
}
