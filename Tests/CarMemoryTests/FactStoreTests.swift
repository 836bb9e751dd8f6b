import CarMemory
import Testing

@Suite("facts: add, replace, delete")
struct FactStoreTests {
    @Test func addCountsAndMintsWsIds() throws {
        let engine = MemoryEngine()
        #expect(try engine.addFact(subject: "a", body: "one", kind: "pattern") == 1)
        #expect(try engine.addFact(subject: "b", body: "two", kind: "constraint") == 2)
        #expect(engine.factCount == 2)
        #expect(engine.facts.map(\.id) == ["ws-1", "ws-2"])
        #expect(engine.facts.map(\.isConstraint) == [false, true])
    }

    @Test func mintedIdsSkipIdsACallerAlreadyTook() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "mine", body: "x", kind: "pattern", id: "ws-1")
        try engine.addFact(subject: "minted", body: "y", kind: "pattern")
        #expect(engine.facts.map(\.id) == ["ws-1", "ws-2"])
    }

    @Test func bringingAHeldIdReplacesThatFact() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "db", body: "MySQL", kind: "pattern", id: "db")
        #expect(try engine.addFact(subject: "db", body: "PostgreSQL", kind: "pattern", id: "db") == 1)
        #expect(engine.fact(id: "db")?.body == "PostgreSQL")
        #expect(engine.query("mysql").isEmpty, "the old body's terms left the graph")
        #expect(engine.query("postgresql").map(\.fact.id) == ["db"])
    }

    @Test func deleteRemovesTheFactFromStoreAndResults() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "cache", body: "Redis holds sessions", kind: "pattern", id: "redis")
        try engine.addFact(subject: "cache", body: "Memcached is gone", kind: "pattern", id: "memcached")
        #expect(Set(engine.query("cache").map(\.fact.id)) == ["redis", "memcached"])

        #expect(engine.delete(id: "redis"))
        #expect(engine.factCount == 1)
        #expect(engine.fact(id: "redis") == nil)
        #expect(engine.query("cache").map(\.fact.id) == ["memcached"])
        #expect(engine.query("redis sessions").isEmpty)
        #expect(!engine.delete(id: "redis"), "a second delete finds nothing")
        #expect(!engine.delete(id: "never-was"))
    }

    @Test func theLimitRefusesNewFactsButNotReplacements() throws {
        let engine = MemoryEngine(limits: .init(maxFacts: 2))
        try engine.addFact(subject: "a", body: "1", kind: "pattern", id: "a")
        try engine.addFact(subject: "b", body: "2", kind: "pattern", id: "b")
        #expect(throws: MemoryEngine.Full.self) { try engine.addFact(subject: "c", body: "3", kind: "pattern") }
        #expect(try engine.addFact(subject: "a", body: "1 again", kind: "pattern", id: "a") == 2)
        engine.delete(id: "b")
        #expect(try engine.addFact(subject: "c", body: "3", kind: "pattern") == 2)
    }

    /// Enough deletes to trigger compaction (which renumbers slots and rebuilds the term
    /// index) must leave the survivors findable and in order.
    @Test func surviveCompactionAfterManyDeletes() throws {
        let engine = MemoryEngine()
        for i in 0..<3000 {
            try engine.addFact(subject: "item \(i)", body: i % 10 == 0 ? "keeper marker\(i)" : "filler", kind: "pattern", id: "i\(i)")
        }
        for i in 0..<3000 where i % 10 != 0 { engine.delete(id: "i\(i)") }
        #expect(engine.factCount == 300)
        #expect(engine.facts.map(\.id) == (0..<300).map { "i\($0 * 10)" })
        #expect(engine.query("marker2990").map(\.fact.id) == ["i2990"])
        #expect(engine.query("filler").isEmpty)
        let keepers = engine.query("keeper", k: 1000)
        #expect(keepers.count == 300)
        // Identical structure: ties fall back to insertion order.
        #expect(keepers.prefix(3).map(\.fact.id) == ["i0", "i10", "i20"])
        try engine.addFact(subject: "after", body: "keeper", kind: "pattern", id: "late")
        #expect(engine.query("keeper", k: 1000).last?.fact.id == "late")
    }

    @Test func resetForgetsFactsButNotTheIdCounter() throws {
        let engine = MemoryEngine()
        try engine.addFact(subject: "a", body: "alpha", kind: "pattern")
        engine.ingestConversation(speaker: "user", text: "hi")
        engine.reset()
        #expect(engine.factCount == 0)
        #expect(engine.query("alpha").isEmpty)
        #expect(engine.conversationTurns.isEmpty)
        try engine.addFact(subject: "b", body: "beta", kind: "pattern")
        #expect(engine.facts.map(\.id) == ["ws-2"])
    }
}
