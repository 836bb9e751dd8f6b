import CarMemory
import Testing

@Suite("conversation")
struct ConversationTests {
    @Test func theRingKeepsTheNewest200TurnsInOrder() {
        let engine = MemoryEngine()
        for i in 0..<250 {
            let kept = engine.ingestConversation(speaker: i % 2 == 0 ? "user" : "assistant", text: "turn \(i)", time: Double(i))
            #expect(kept == min(i + 1, 200))
        }
        let turns = engine.conversationTurns
        #expect(turns.count == 200)
        #expect(turns.first == ConversationTurn(speaker: "user", text: "turn 50", time: 50))
        #expect(turns.last == ConversationTurn(speaker: "assistant", text: "turn 249", time: 249))
        #expect(turns.map(\.time) == (50..<250).map { Double($0) })
    }

    @Test func theCapacityIsALimit() {
        let engine = MemoryEngine(limits: .init(maxConversationTurns: 3))
        for i in 0..<7 { engine.ingestConversation(speaker: "s", text: "\(i)") }
        #expect(engine.conversationTurns.map(\.text) == ["4", "5", "6"])
    }

    @Test func turnsAreNotFacts() {
        let engine = MemoryEngine()
        engine.ingestConversation(speaker: "user", text: "we deploy on Fridays")
        #expect(engine.factCount == 0)
        #expect(engine.query("deploy fridays").isEmpty)
    }
}
