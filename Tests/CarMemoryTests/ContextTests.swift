import CarMemory
import Testing

@Suite("build_context")
struct ContextTests {
    static let order = ["## Identity", "## Constraints", "## Facts", "## Conversation", "## Environment", "## Known Unknowns"]

    static func fullEngine() throws -> MemoryEngine {
        let engine = try LabelledCorpus.engine()
        try engine.addFact(subject: "agent", body: "coding assistant for the shop app", kind: "identity", id: "me")
        try engine.addFact(subject: "os", body: "Ubuntu 24.04 on x86_64", kind: "environment", id: "env")
        try engine.addFact(subject: "open question", body: "is the CDN cache purged on deploy?", kind: "unknown", id: "q")
        engine.ingestConversation(speaker: "user", text: "the tests are flaky again", time: 1)
        engine.ingestConversation(speaker: "assistant", text: "looking at vitest output", time: 2)
        return engine
    }

    static func headerPositions(_ context: String) -> [Int] {
        order.map { header in
            context.range(of: header).map { context.distance(from: context.startIndex, to: $0.lowerBound) } ?? -1
        }
    }

    @Test func sectionsComeInOrder() throws {
        let context = try Self.fullEngine().buildContext(query: "how do we run the tests?")
        let positions = Self.headerPositions(context)
        #expect(!positions.contains(-1), "every section present:\n\(context)")
        #expect(positions == positions.sorted(), "Identity → … → Known Unknowns:\n\(context)")
        #expect(context.contains("agent: coding assistant"))
        #expect(context.contains("os: Ubuntu 24.04"))
        #expect(context.contains("open question: is the CDN cache purged on deploy?"))
        #expect(context.contains("user: the tests are flaky again\nassistant: looking at vitest output"))
    }

    @Test func constraintsAreIncludedWhateverTheQuery() throws {
        let context = try Self.fullEngine().buildContext(query: "which Tailwind classes?")
        let constraints = try #require(section("Constraints", of: context))
        // All three constraints of the corpus, though none shares a word with the query.
        #expect(constraints.contains("style_rule: no implicit any"))
        #expect(constraints.contains("logging: pino writes JSON logs"))
        #expect(constraints.contains("migration_rule: database migrations"))
        let facts = try #require(section("Facts", of: context))
        #expect(facts.contains("styling: Tailwind CSS"))
        #expect(!facts.contains("style_rule"), "constraints are not repeated among facts")
        #expect(!facts.contains("Ubuntu"), "environment facts have their own section")
    }

    @Test func factsAreTheQueryResultsInRankOrder() throws {
        let engine = try Self.fullEngine()
        let query = "which node version and package manager does CI use?"
        let facts = try #require(section("Facts", of: engine.buildContext(query: query)))
        let expected = engine.query(query, k: 20).filter { $0.fact.kind == "pattern" }.map { "- \($0.fact.subject): \($0.fact.body)" }
        #expect(facts.split(separator: "\n").map(String.init) == expected)
    }

    @Test func theDefaultBudgetIsEightKTokensLessHeadroom() {
        let budget = ContextBuilder.characterBudget(modelContextWindow: nil)
        #expect(budget == 8192 * 4 * 3 / 4)
        #expect(ContextBuilder.characterBudget(modelContextWindow: 128_000) == 128_000 * 3)
        #expect(ContextBuilder.characterBudget(modelContextWindow: 1) == ContextBuilder.minimumBudget)
        #expect(ContextBuilder.characterBudget(modelContextWindow: Int.max) > 0)
    }

    @Test func aSmallWindowTruncatesLowestPrioritySectionsFirst() throws {
        let engine = try Self.fullEngine()
        let window = 120   // 360 characters
        let budget = ContextBuilder.characterBudget(modelContextWindow: window)
        let context = engine.buildContext(query: "how do we run the tests?", modelContextWindow: window)
        #expect(context.count <= budget)
        #expect(context.hasPrefix("## Identity\n- agent: coding assistant"))
        #expect(context.contains("## Constraints"))
        #expect(!context.contains("## Known Unknowns"))
        #expect(!context.contains("## Environment"))
        // Whatever survives is a prefix of the full layout, section by section.
        let full = engine.buildContext(query: "how do we run the tests?")
        let kept = Self.headerPositions(context).enumerated().filter { $0.element >= 0 }.map(\.offset)
        #expect(kept == Array(0..<kept.count), "only trailing sections are dropped")
        #expect(full.count > context.count)
    }

    @Test func conversationKeepsItsNewestTurnsUnderPressure() throws {
        let engine = MemoryEngine()
        for i in 0..<100 { engine.ingestConversation(speaker: "user", text: "turn number \(i) with some padding text") }
        let context = engine.buildContext(query: "anything", modelContextWindow: 200)
        #expect(context.count <= ContextBuilder.characterBudget(modelContextWindow: 200))
        #expect(context.contains("turn number 99 "))
        #expect(!context.contains("turn number 0 "))
    }

    @Test func everyWindowSizeRespectsItsBudget() throws {
        let engine = try Self.fullEngine()
        for i in 0..<200 { try engine.addFact(subject: "test note \(i)", body: String(repeating: "long body text ", count: i % 40), kind: "pattern") }
        for i in 0..<50 { try engine.addFact(subject: "rule \(i)", body: "must hold \(i)", kind: "constraint") }
        for window in [0, 1, 64, 100, 500, 2000, 8192] {
            let context = engine.buildContext(query: "test notes", modelContextWindow: window)
            #expect(context.count <= ContextBuilder.characterBudget(modelContextWindow: window), "window \(window)")
            #expect(context.hasPrefix("## Identity"))
        }
        let roomy = engine.buildContext(query: "test notes", modelContextWindow: 1_000_000)
        #expect(roomy.contains("rule 49: must hold 49"))
        #expect(roomy.contains("## Known Unknowns"))
    }

    @Test func anEmptyMemoryGivesAnEmptyContext() {
        #expect(MemoryEngine().buildContext(query: "anything") == "")
    }
}

/// The lines under `## title`, up to the next section.
func section(_ title: String, of context: String) -> String? {
    guard let start = context.range(of: "## \(title)\n") else { return nil }
    let rest = context[start.upperBound...]
    let end = rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex
    return String(rest[..<end]).trimmingSuffixNewlines()
}

extension String {
    func trimmingSuffixNewlines() -> String {
        var s = self
        while s.hasSuffix("\n") { s.removeLast() }
        return s
    }
}
