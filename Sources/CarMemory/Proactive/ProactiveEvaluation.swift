/// `memory.evaluate`: labelled next-action cases run against the graph under four policies.
///
/// Per mode and per case, the mode intervenes when it shows at least one fact: selective (the
/// `memory.intervene` decision, without session telemetry), always-inject (the best candidate
/// whenever there is one), passive retrieval (every candidate, no interruption policy) and no
/// memory (never). A case is a true positive when what was shown includes a labelled relevant
/// fact, a false positive when an intervention shows none of them, a false negative when it
/// has labels and no true positive. Deterministic; nothing is written.
public enum ProactiveEvaluation {
    public static let maxCases = 1000

    public struct Case: Sendable {
        public var id: String
        public var request: ProactiveRequest
        public var relevant: Set<String>
        public init(id: String, request: ProactiveRequest, relevant: Set<String>) {
            self.id = id
            self.request = request
            self.relevant = relevant
        }
    }

    public struct ModeReport: Sendable, Hashable {
        public var interventions = 0
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0
        public var exposed = 0
        public var cases = 0

        public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
        public var recall: Double { ratio(truePositives, truePositives + falseNegatives) }
        public var interruptionRate: Double { ratio(interventions, cases) }
        public var averageCandidatesExposed: Double { ratio(exposed, cases) }

        private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

        mutating func score(shown: [String], relevant: Set<String>) {
            cases += 1
            exposed += shown.count
            let hit = shown.contains(where: relevant.contains)
            if !shown.isEmpty {
                interventions += 1
                if hit { truePositives += 1 } else { falsePositives += 1 }
            }
            if !relevant.isEmpty, !hit { falseNegatives += 1 }
        }
    }

    public struct Report: Sendable {
        public var cases: Int
        public var selective = ModeReport()
        public var alwaysInject = ModeReport()
        public var passiveRetrieval = ModeReport()
        public var noMemory = ModeReport()
    }

    public static func run(_ cases: [Case], on engine: MemoryEngine) -> Report {
        var report = Report(cases: cases.count)
        for entry in cases {
            let selection = engine.proactiveSelect(entry.request)
            let all = selection.candidates.map(\.fact.id)
            report.selective.score(shown: selection.selected.map { [$0.fact.id] } ?? [], relevant: entry.relevant)
            report.alwaysInject.score(shown: Array(all.prefix(1)), relevant: entry.relevant)
            report.passiveRetrieval.score(shown: all, relevant: entry.relevant)
            report.noMemory.score(shown: [], relevant: entry.relevant)
        }
        return report
    }
}
