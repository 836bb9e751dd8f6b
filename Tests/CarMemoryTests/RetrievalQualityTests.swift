import CarMemory
import Testing

/// A hand-labelled corpus: the memory of a small TypeScript web app, with vocabulary that
/// overlaps across facts on purpose ("store", "rule", "test", "state") so ranking has to
/// separate the relevant facts from ones that merely share a word.
enum LabelledCorpus {
    static let facts: [(id: String, subject: String, body: String, kind: String)] = [
        // Distractors first: each shares a common word with some query but answers none, and
        // coming first they defeat any ranking that falls back on insertion order.
        ("d1", "roadmap", "the state of the project roadmap is reviewed every quarter", "pattern"),
        ("d2", "retro", "we run a retro after each sprint and Notion stores the notes", "pattern"),
        ("d3", "glossary", "a user story describes what a user needs from the product", "pattern"),
        ("d4", "onboarding", "new contributors read the code of conduct first", "pattern"),
        ("d5", "data_retention", "analytics data is kept for 90 days", "pattern"),
        ("d6", "changelog", "the changelog lists each released version", "pattern"),
        ("d7", "manager", "the engineering manager approves the quarterly plan", "pattern"),
        ("d8", "house_rules", "meetings start on time and rules for the office kitchen apply", "pattern"),
        ("f1", "project_language", "TypeScript 5.4 with strict mode", "pattern"),
        ("f2", "framework", "React 18 with hooks; components live in src/components", "pattern"),
        ("f3", "test_runner", "vitest runs the unit tests; run them with npm test", "pattern"),
        ("f4", "style_rule", "no implicit any; every function parameter has a type", "constraint"),
        ("f5", "package_manager", "pnpm manages dependencies; the lockfile is pnpm-lock.yaml", "pattern"),
        ("f6", "database", "PostgreSQL 16 stores user accounts and orders", "pattern"),
        ("f7", "orm", "Prisma maps the database schema to TypeScript types", "pattern"),
        ("f8", "deploy", "the app deploys to Fly.io from the main branch via GitHub Actions", "pattern"),
        ("f9", "ci", "GitHub Actions runs lint, typecheck and vitest on every pull request", "pattern"),
        ("f10", "e2e_tests", "Playwright drives end-to-end tests against a preview deploy", "pattern"),
        ("f11", "styling", "Tailwind CSS utility classes; no CSS modules", "pattern"),
        ("f12", "state_management", "Zustand stores hold client state; server state goes through React Query", "pattern"),
        ("f13", "auth", "sessions use signed cookies; passwords are hashed with argon2", "pattern"),
        ("f14", "api", "REST endpoints under /api/v1 are implemented with Express", "pattern"),
        ("f15", "logging", "pino writes JSON logs; never log passwords or tokens", "constraint"),
        ("f16", "migration_rule", "database migrations must be reviewed before merge", "constraint"),
        ("f17", "node_version", "Node.js 20 LTS is required locally and in CI", "pattern"),
        ("f18", "lint", "ESLint with the typescript-eslint plugin checks the code; Prettier formats it", "pattern"),
        ("f19", "branch_policy", "feature branches merge to main by squash", "pattern"),
        ("f20", "performance", "the product list page must render under 200 ms", "pattern"),
    ]

    /// Query → the facts a person reading the corpus judged relevant (three each, so a
    /// perfect ranking scores precision@3 = 1).
    static let queries: [(query: String, relevant: Set<String>)] = [
        ("how do we run the tests?", ["f3", "f9", "f10"]),
        ("which database and ORM store the data?", ["f6", "f7", "f16"]),
        ("what lint and formatting rules apply to the code?", ["f18", "f4", "f9"]),
        ("how are users authenticated and passwords stored?", ["f13", "f15", "f6"]),
        ("which node version and package manager does CI use?", ["f17", "f5", "f9"]),
        ("what does the React frontend use for state and styling?", ["f12", "f2", "f11"]),
    ]

    static func engine() throws -> MemoryEngine {
        let engine = MemoryEngine()
        for fact in facts {
            try engine.addFact(subject: fact.subject, body: fact.body, kind: fact.kind, id: fact.id)
        }
        return engine
    }

    static func precisionAt3(_ engine: MemoryEngine, _ query: String, _ relevant: Set<String>) -> Double {
        let top = engine.query(query, k: 3).map(\.fact.id)
        return Double(top.filter(relevant.contains).count) / 3.0
    }
}

@Suite("retrieval quality")
struct RetrievalQualityTests {
    /// The threshold. Each query has three labelled facts, 18 top-3 slots in all. Measured
    /// with damping 0.5: 14 of 18 (0.78); the same matches in insertion order: 0.39; a
    /// random ranking of 28 facts: 3/28 ≈ 0.11. The misses are the planted distractors a
    /// ranker without semantics cannot see through: "data" (d5) is rarer than "database",
    /// "rules … apply" (d8) matches two query words where the style rule matches one, and
    /// the engineering "manager" (d7) is as rare as "CI". 0.7 leaves room for one more miss
    /// when the damping, stop words or stemming are tuned, and fails anything that stops
    /// weighing terms (insertion order) or stops matching them.
    static let threshold = 0.7

    static func meanPrecision(_ rank: (String) -> [String]) -> Double {
        var total = 0.0
        for (query, relevant) in LabelledCorpus.queries {
            total += Double(rank(query).prefix(3).filter(relevant.contains).count) / 3.0
        }
        return total / Double(LabelledCorpus.queries.count)
    }

    @Test func meanPrecisionAt3MeetsTheThreshold() throws {
        let engine = try LabelledCorpus.engine()
        for (query, relevant) in LabelledCorpus.queries {
            let p = LabelledCorpus.precisionAt3(engine, query, relevant)
            #expect(p >= 1.0 / 3.0, "\(query) found no relevant fact in its top 3: \(engine.query(query, k: 3).map(\.fact.id))")
        }
        let mean = Self.meanPrecision { engine.query($0, k: 3).map(\.fact.id) }
        print("mean precision@3 = \(mean)")
        #expect(mean >= Self.threshold)
    }

    /// The ranking has to earn its keep: the same matching facts taken in insertion order
    /// (what a plain "facts sharing a word" filter would give) score clearly lower.
    @Test func rankingBeatsInsertionOrderOfTheSameMatches() throws {
        let engine = try LabelledCorpus.engine()
        let order = Dictionary(uniqueKeysWithValues: LabelledCorpus.facts.enumerated().map { ($1.id, $0) })
        let baseline = Self.meanPrecision { query in
            engine.query(query, k: 100).map(\.fact.id).sorted { order[$0]! < order[$1]! }
        }
        let ranked = Self.meanPrecision { engine.query($0, k: 3).map(\.fact.id) }
        print("mean precision@3: ranked \(ranked), insertion-order baseline \(baseline)")
        #expect(ranked >= baseline + 0.15)
    }

    @Test func everyQueryRanksARelevantFactFirst() throws {
        let engine = try LabelledCorpus.engine()
        for (query, relevant) in LabelledCorpus.queries {
            let first = try #require(engine.query(query, k: 1).first)
            #expect(relevant.contains(first.fact.id), "\(query) ranked \(first.fact.id) first")
        }
    }

    @Test func theLanguageQueryPutsTypeScriptFirst() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "project_language", body: "TypeScript", kind: "pattern")
        try engine.addFact(subject: "framework", body: "React", kind: "pattern")
        try engine.addFact(subject: "test runner", body: "vitest", kind: "pattern")
        try engine.addFact(subject: "style_rule", body: "no implicit any", kind: "constraint")
        let results = engine.query("what language is this project in?")
        let first = try #require(results.first)
        #expect(first.fact.body == "TypeScript")
        #expect(first.score > 0)
        #expect(first.confidence == 1.0)
        // Nothing else shares a word with the question.
        #expect(results.count == 1)
    }

    @Test func theLanguageQueryPutsTypeScriptFirstInTheLargerCorpusToo() throws {
        let engine = try LabelledCorpus.engine()
        #expect(engine.query("what language is this project in?").first?.fact.id == "f1")
    }
}
