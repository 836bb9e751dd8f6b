import CarMemory
import Testing

@Suite("query")
struct QueryTests {
    @Test func sameGraphAndQueryGiveTheSameRanking() throws {
        let first = try LabelledCorpus.engine()
        let second = try LabelledCorpus.engine()
        for (query, _) in LabelledCorpus.queries {
            let a = first.query(query, k: 10)
            #expect(a == first.query(query, k: 10), "repeatable on one engine")
            #expect(a == second.query(query, k: 10), "identical on a rebuilt engine")
        }
    }

    @Test func tiesKeepInsertionOrder() throws {
        let engine = MemoryEngine()
        for id in ["c", "a", "b"] {
            try engine.addFact(subject: "twin", body: "identical text", kind: "pattern", id: id)
        }
        #expect(engine.query("identical twin").map(\.fact.id) == ["c", "a", "b"])
    }

    @Test func rarerTermsOutweighCommonOnes() throws {
        let engine = MemoryEngine()
        for i in 0..<10 { try engine.addFact(subject: "service \(i)", body: "runs in the cluster", kind: "pattern", id: "s\(i)") }
        try engine.addFact(subject: "billing service", body: "charges cards through Stripe", kind: "pattern", id: "billing")
        #expect(engine.query("which service talks to stripe?").first?.fact.id == "billing")
    }

    @Test func kBoundsTheResultsAndUnknownWordsFindNothing() throws {
        let engine = try LabelledCorpus.engine()
        #expect(engine.query("tests", k: 2).count == 2)
        #expect(engine.query("tests", k: 0).isEmpty)
        #expect(engine.query("zeppelin quantum").isEmpty)
        #expect(engine.query("the of and is").isEmpty, "stop words alone carry no signal")
        #expect(engine.query("").isEmpty)
    }

    @Test func scoresAreDescendingAndPositive() throws {
        let engine = try LabelledCorpus.engine()
        let results = engine.query("how do we run the tests?", k: 10)
        #expect(results.count >= 3)
        #expect(results.allSatisfy { $0.score > 0 })
        #expect(zip(results, results.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test func inflectionsAndCaseMeetOnOneTerm() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "Storage", body: "S3 STORES the uploaded files", kind: "pattern", id: "s3")
        #expect(engine.query("where are files stored?").first?.fact.id == "s3")
        #expect(engine.query("upload").first?.fact.id == "s3")
    }

    @Test func snakeCaseSubjectsSplitIntoWords() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "deploy_target", body: "Fly.io", kind: "pattern", id: "d")
        #expect(engine.query("deploy target").map(\.fact.id) == ["d"])
        #expect(engine.query("fly").map(\.fact.id) == ["d"])
    }

    @Test func nonASCIITextIsTokenized() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "Übersetzung", body: "Datenbank läuft auf Größe XL", kind: "pattern", id: "de")
        #expect(engine.query("DATENBANK").map(\.fact.id) == ["de"])
        #expect(engine.query("übersetzung").map(\.fact.id) == ["de"])
    }

    @Test func aFactLinkedToAnotherMatchOutranksAnEqualIsolatedOne() throws {
        // "tokens" and "keycloak" match the query equally (one "auth" each) and "tokens" came
        // first, so without the graph it would win the tie. "keycloak" shares a term with the
        // "login" match, and the walk carries that match's mass over to it.
        let engine = MemoryEngine()
        try engine.addFact(subject: "auth", body: "tokens expire hourly", kind: "pattern", id: "tokens")
        try engine.addFact(subject: "auth", body: "Keycloak realm", kind: "pattern", id: "keycloak")
        try engine.addFact(subject: "login", body: "Keycloak hosted page", kind: "pattern", id: "login")
        let ids = engine.query("auth login", k: 3).map(\.fact.id)
        #expect(ids.firstIndex(of: "keycloak")! < ids.firstIndex(of: "tokens")!, "\(ids)")
    }

    /// The walk's neighbourhood is capped; rare query words are gathered first, so a fact
    /// the rare word finds is never the one the cap cuts, even when it is the oldest of
    /// thousands sharing the common word.
    @Test func theNeighbourhoodCapKeepsRareMatches() throws {
        let engine = MemoryEngine()
        let common = ["alpha", "beta", "gamma", "delta", "epsilon"]
        try engine.addFact(subject: "alpha", body: "needle", kind: "pattern", id: "needle")
        // 5 × 1500 facts: in query order the common words alone would fill the cap.
        for word in common {
            for i in 0..<1500 { try engine.addFact(subject: word, body: "hay \(i)", kind: "pattern") }
        }
        #expect(engine.query(common.joined(separator: " ") + " needle").first?.fact.id == "needle")
        #expect(engine.query("alpha", k: 3).count == 3)
    }
}
