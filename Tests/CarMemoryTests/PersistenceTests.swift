import CarJSON
import CarMemory
import Foundation
import Testing

@Suite("persistence")
struct PersistenceTests {
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "car-memory-tests-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func persistThenLoadRoundTripsEveryField() throws {
        let path = Self.temporaryDirectory() + "/memory.json"
        let original = try LabelledCorpus.engine()
        try original.addFact(subject: "tagged", body: "with \"quotes\"\nand newline", kind: "knowledge",
                             confidence: 0.25, id: "t1", tags: ["a", "b"], source: "mcp")
        #expect(try original.persist(to: path) == 29)

        let restored = MemoryEngine()
        try restored.addFact(subject: "stale", body: "will be replaced", kind: "pattern", id: "old")
        #expect(try restored.load(from: path) == 29)
        #expect(restored.facts == original.facts)
        #expect(restored.fact(id: "old") == nil, "load replaces, it does not merge")
        #expect(restored.query("will be replaced stale").isEmpty)
        for (query, _) in LabelledCorpus.queries {
            #expect(restored.query(query, k: 5) == original.query(query, k: 5))
        }
        let tagged = try #require(restored.fact(id: "t1"))
        #expect(tagged.tags == ["a", "b"] && tagged.source == "mcp" && tagged.confidence == 0.25 && tagged.kind == "knowledge")
    }

    @Test func theFileIsTheDocumentedJSONShape() throws {
        let path = Self.temporaryDirectory() + "/memory.json"
        let engine = MemoryEngine()
        try engine.addFact(subject: "s", body: "b", kind: "constraint", tags: ["x"])
        try engine.persist(to: path)
        let document = try JSONParser.parse(String(contentsOfFile: path, encoding: .utf8))
        let facts = try #require(document["facts"]?.arrayValue)
        #expect(facts.count == 1)
        #expect(facts[0] == ["id": "ws-1", "subject": "s", "body": "b", "kind": "constraint",
                             "confidence": 1.0, "tags": ["x"], "source": nil])
        // No temporary file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: AtomicPath.parent(path)) == ["memory.json"])
    }

    @Test func persistReplacesAnExistingFile() throws {
        let path = Self.temporaryDirectory() + "/memory.json"
        let engine = MemoryEngine()
        try engine.addFact(subject: "one", body: "1", kind: "pattern")
        try engine.addFact(subject: "two", body: "2", kind: "pattern")
        try engine.persist(to: path)
        engine.delete(id: "ws-1")
        #expect(try engine.persist(to: path) == 1)
        let reloaded = MemoryEngine()
        #expect(try reloaded.load(from: path) == 1)
        #expect(reloaded.facts.map(\.id) == ["ws-2"])
    }

    @Test func aFailedLoadLeavesMemoryAlone() throws {
        let directory = Self.temporaryDirectory()
        let engine = MemoryEngine()
        try engine.addFact(subject: "keep", body: "me", kind: "pattern")
        #expect(throws: MemoryEngine.PersistenceError.self) { try engine.load(from: directory + "/missing.json") }
        try "{\"facts\": [".write(toFile: directory + "/torn.json", atomically: false, encoding: .utf8)
        #expect(throws: MemoryEngine.PersistenceError.self) { try engine.load(from: directory + "/torn.json") }
        try "{\"facts\": [{\"subject\": 1}]}".write(toFile: directory + "/bad.json", atomically: false, encoding: .utf8)
        #expect(throws: MemoryEngine.PersistenceError.self) { try engine.load(from: directory + "/bad.json") }
        #expect(engine.facts.map(\.subject) == ["keep"])
    }

    @Test func persistIntoAMissingDirectoryFails() throws {
        let engine = MemoryEngine()
        #expect(throws: MemoryEngine.PersistenceError.self) {
            try engine.persist(to: Self.temporaryDirectory() + "/no/such/dir/memory.json")
        }
    }

    @Test func minimalEntriesTakeDefaultsAndGetIds() throws {
        let path = Self.temporaryDirectory() + "/flat.json"
        try "[{\"subject\": \"a\", \"body\": \"x\"}, {\"id\": \"ws-1\", \"subject\": \"b\", \"body\": \"y\"}]"
            .write(toFile: path, atomically: false, encoding: .utf8)
        let engine = MemoryEngine()
        #expect(try engine.load(from: path) == 2)
        #expect(engine.facts.map(\.id) == ["ws-2", "ws-1"], "a minted id skips one the file holds")
        #expect(engine.facts[0].kind == "pattern" && engine.facts[0].confidence == 1.0)
    }

    @Test func loadRespectsTheFactLimit() throws {
        let path = Self.temporaryDirectory() + "/big.json"
        let big = MemoryEngine()
        for i in 0..<5 { try big.addFact(subject: "f\(i)", body: "x", kind: "pattern") }
        try big.persist(to: path)
        let small = MemoryEngine(limits: .init(maxFacts: 3))
        #expect(throws: MemoryEngine.PersistenceError.self) { try small.load(from: path) }
        #expect(small.factCount == 0)
    }
}

enum AtomicPath {
    static func parent(_ path: String) -> String { String(path[..<path.lastIndex(of: "/")!]) }
}
