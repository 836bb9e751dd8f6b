import CarMemory
import Testing

@Suite("consolidation")
struct ConsolidationTests {
    @Test func duplicatesFoldIntoTheEarliestAndASecondRunFindsNothing() throws {
        let memory = MemoryEngine()
        try memory.addFact(subject: "language", body: "TypeScript", kind: "pattern")           // ws-1
        try memory.addFact(subject: "Language", body: "  typescript ", kind: "pattern")       // ws-2, same fact
        try memory.addFact(subject: "language", body: "TypeScript", kind: "constraint")       // ws-3, other kind
        try memory.addFact(subject: "framework", body: "React", kind: "pattern")              // ws-4
        try memory.addFact(subject: "language", body: "TypeScript", kind: "pattern")           // ws-5, same as ws-1
        let report = memory.consolidate()
        #expect(report.factsBefore == 5)
        #expect(report.factsAfter == 3)
        #expect(report.merged == 2)
        #expect(report.groups == [.init(kept: "ws-1", removed: ["ws-2", "ws-5"])])
        #expect(memory.facts.map(\.id) == ["ws-1", "ws-3", "ws-4"])
        let again = memory.consolidate()
        #expect(again.merged == 0 && again.factsAfter == 3)
    }
}
