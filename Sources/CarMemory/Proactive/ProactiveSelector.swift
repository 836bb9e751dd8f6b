import Foundation

/// The selective policy behind `memory.intervene`: at most one grounded reminder, or silence.
///
/// Candidates are the facts the request reaches most strongly (the same walk as
/// `memory.query`). Each is scored `grounding × confidence + bonus`, the bonus rewarding a
/// kind that answers the pressure (procedural evidence under tool errors and repeated
/// failures, knowledge and constraints under risk or uncertainty, knowledge on a context
/// shift). The best is injected when it reaches the threshold — 0.6 without pressure, down to
/// 0.3 as pressure grows — and is grounded in at least a quarter of the request's term weight.
public enum ProactiveSelector {
    public static let baseThreshold = 0.6
    public static let minimumThreshold = 0.3
    public static let thresholdStepPerPressure = 0.1
    public static let minimumGrounding = 0.25

    public static func threshold(for trigger: ProactiveTrigger) -> Double {
        max(minimumThreshold, baseThreshold - thresholdStepPerPressure * trigger.pressure)
    }

    static func bonus(kind: String, _ trigger: ProactiveTrigger) -> Double {
        var bonus = 0.0
        switch kind {
        case "procedural":
            if trigger.toolError || trigger.repeatedFailures >= 1 { bonus += 0.25 }
            if trigger.repeatedFailures >= 2 { bonus += 0.1 }
        case "knowledge", "constraint":
            if trigger.highRiskAction || trigger.explicitUncertainty { bonus += 0.2 }
            if kind == "knowledge", trigger.contextShift { bonus += 0.1 }
        default:
            break
        }
        return bonus
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

extension MemoryEngine {
    /// Candidates fetched before the tenant filter, per candidate wanted.
    static let proactiveOverfetch = 8

    /// Runs the selective policy for `request` (trigger as given; no side effects).
    public func proactiveSelect(_ request: ProactiveRequest) -> ProactiveSelection {
        let queryTerms = Tokenizer.terms(request.query)
        let recentTerms = Tokenizer.terms(request.recent.joined(separator: "\n"))
        var walkTerms = queryTerms
        var seen = Set(queryTerms)
        for term in recentTerms where seen.insert(term).inserted { walkTerms.append(term) }
        // Grounding is judged against what is asked now; recent lines only widen the walk
        // unless there is no query.
        let groundTerms = queryTerms.isEmpty ? recentTerms : queryTerms
        let threshold = ProactiveSelector.threshold(for: request.trigger)

        return store.withLock { store in
            let bank = ProactiveBank(facts: store.liveCount, knowledge: store.facts(ofKindCount: "knowledge"),
                                     procedural: store.facts(ofKindCount: "procedural"))
            func silent(_ reason: String, _ candidates: [ProactiveCandidate] = []) -> ProactiveSelection {
                ProactiveSelection(candidates: candidates, bank: bank, selected: nil, reason: reason, threshold: threshold)
            }
            guard !walkTerms.isEmpty else { return silent("the request has no query or recent text to ground a reminder in") }
            let scored = ranker.scores(index: store.index, liveFacts: store.liveCount, queryTerms: walkTerms, scratch: &store.walkScratch)
            let fetch = min(request.maxCandidates * Self.proactiveOverfetch, 512)
            let tenantSource = request.tenantID.map { "tenant:\($0)" }
            let reached = Self.top(fetch, of: scored, in: store).filter { hit in
                guard let tenantSource else { return true }
                let source = hit.fact.source ?? ""
                return source == tenantSource || !source.hasPrefix("tenant:")
            }.prefix(request.maxCandidates)
            guard !reached.isEmpty else { return silent("no remembered fact matches the request") }

            // Term weights for grounding: inverse document frequency, a term the graph lacks
            // weighing as much as the rarest.
            let n = Double(max(store.liveCount, 1))
            var weights: [(id: TermIndex.TermID?, weight: Double)] = []
            for term in groundTerms {
                let id = store.index.termID(term)
                let df = id.map { store.index.documentFrequency($0) } ?? 0
                weights.append((df > 0 ? id : nil, log1p(n / Double(max(df, 1)))))
            }
            let totalWeight = weights.reduce(0) { $0 + $1.weight }

            var candidates: [ProactiveCandidate] = []
            for hit in reached {
                guard let slot = store.slotOfID[hit.fact.id] else { continue }
                let factTerms = Set(store.index.factTerms[slot])
                let covered = weights.reduce(0.0) { sum, entry in
                    guard let id = entry.id, factTerms.contains(id) else { return sum }
                    return sum + entry.weight
                }
                let grounding = totalWeight > 0 ? covered / totalWeight : 0
                let confidence = min(1, max(0, hit.fact.confidence))
                let score = grounding * confidence + ProactiveSelector.bonus(kind: hit.fact.kind, request.trigger)
                candidates.append(ProactiveCandidate(fact: hit.fact, relevance: hit.score, grounding: grounding, score: score))
            }
            // Stable: equal scores keep the walk's order.
            let ordered = candidates.enumerated().sorted { a, b in
                a.element.score != b.element.score ? a.element.score > b.element.score : a.offset < b.offset
            }.map(\.element)
            guard let best = ordered.first else { return silent("no remembered fact matches the request") }
            if request.force {
                return ProactiveSelection(candidates: ordered, bank: bank, selected: best, reason: nil, threshold: threshold)
            }
            guard best.grounding >= ProactiveSelector.minimumGrounding else {
                return silent("the best match is not grounded in the request (grounding \(ProactiveSelector.format(best.grounding)) < "
                              + "\(ProactiveSelector.format(ProactiveSelector.minimumGrounding)))", ordered)
            }
            guard best.score >= threshold else {
                return silent("no remembered fact is strong enough to interrupt (best score \(ProactiveSelector.format(best.score)) < "
                              + "threshold \(ProactiveSelector.format(threshold)))", ordered)
            }
            return ProactiveSelection(candidates: ordered, bank: bank, selected: best, reason: nil, threshold: threshold)
        }
    }
}

extension FactStore {
    func facts(ofKindCount kind: String) -> Int { slotsByKind[kind]?.count ?? 0 }
}
