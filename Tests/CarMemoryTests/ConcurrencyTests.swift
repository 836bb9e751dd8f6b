import CarMemory
import Testing

@Suite("concurrency")
struct ConcurrencyTests {
    /// Writers, deleters and readers on one engine at once: nothing lost, nothing torn.
    @Test func concurrentAddsDeletesAndQueriesStayConsistent() async throws {
        let engine = MemoryEngine()
        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for i in 0..<500 {
                        _ = try? engine.addFact(subject: "writer \(writer)", body: "note \(i) shared", kind: "pattern", id: "w\(writer)-\(i)")
                        if i % 5 == 0 { engine.delete(id: "w\(writer)-\(i)") }
                    }
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    for _ in 0..<100 {
                        let results = engine.query("shared note", k: 5)
                        #expect(results.count <= 5)
                        _ = engine.buildContext(query: "shared", modelContextWindow: 500)
                        engine.ingestConversation(speaker: "reader", text: "looked")
                    }
                }
            }
        }
        #expect(engine.factCount == 4 * 400)
        #expect(engine.facts.count == 1600)
        #expect(engine.query("writer 3 note 499").first?.fact.id == "w3-499")
        #expect(engine.query("writer 2 note 5").isEmpty == false)
        #expect(engine.fact(id: "w2-5") == nil, "deleted while readers ran")
        #expect(engine.conversationTurns.count == 200, "2 readers × 100 turns")
    }
}
