import CarFiles
import CarJSON

/// Snapshots of the fact graph on disk: `{"facts":[{id, subject, body, kind, confidence,
/// tags, source}], "skills":[...]}`, the flat form the reference's `memory.persist` writes
/// and `memory.load` reads, plus the skills. The term graph is rebuilt from the facts, so
/// the format does not pin down the index.
extension MemoryEngine {
    public struct PersistenceError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Snapshots larger than this are refused on load rather than read into memory.
    public static let maxSnapshotBytes = 1 << 30

    /// Writes every fact to `path`, replacing the file atomically, and answers how many.
    @discardableResult
    public func persist(to path: String) throws(PersistenceError) -> Int {
        let snapshot = facts
        let document: JSONValue = ["facts": .array(snapshot.map(Self.json)), "skills": .array(skills.export())]
        do {
            try FileSystem.writeAtomically(JSONWriter.bytes(document), to: path, mode: 0o600, creatingDirectories: false)
        } catch {
            throw PersistenceError(description: "memory.persist: \(error.description)")
        }
        return snapshot.count
    }

    /// Replaces every fact with those in the snapshot at `path` and answers how many were
    /// loaded. All or nothing: a missing, unreadable or malformed file leaves memory as it
    /// was. Conversation turns are not part of the graph and are kept.
    @discardableResult
    public func load(from path: String) throws(PersistenceError) -> Int {
        try load(from: path, recording: true)
    }

    /// `load`; `recording: false` keeps the change out of the graph's log (a log being built
    /// from an old snapshot writes the graph whole instead).
    func load(from path: String, recording: Bool) throws(PersistenceError) -> Int {
        let snapshot = try Self.readSnapshot(path)
        return try replaceGraph(with: snapshot.facts, minting: snapshot.minting, skills: snapshot.skills, recording: recording)
    }

    /// A snapshot's facts (with the positions of those that need an id minted) and skills,
    /// checked whole before anything is replaced.
    static func readSnapshot(_ path: String) throws(PersistenceError) -> (facts: [Fact], minting: [Int], skills: [Skill]) {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readWhole(path, limit: Self.maxSnapshotBytes)
        } catch {
            throw PersistenceError(description: "memory.load: \(error.description)")
        }
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw PersistenceError(description: "memory.load \(path): not JSON: \(error)")
        }
        // The flat array is accepted too: it is what older snapshots hold.
        guard let entries = document["facts"]?.arrayValue ?? document.arrayValue else {
            throw PersistenceError(description: "memory.load \(path): expected {\"facts\": [...]}")
        }
        var loaded: [Fact] = []
        loaded.reserveCapacity(entries.count)
        var unnamed: [Int] = []
        for (position, entry) in entries.enumerated() {
            guard let fact = Self.fact(from: entry) else {
                throw PersistenceError(description: "memory.load \(path): fact \(position) needs string subject and body")
            }
            if fact.id.isEmpty { unnamed.append(loaded.count) }
            loaded.append(fact)
        }
        do {
            return (loaded, unnamed, try SkillStore.validated(document["skills"]?.arrayValue ?? []))
        } catch {
            throw PersistenceError(description: "memory.load \(path): \(error)")
        }
    }

    static func json(_ fact: Fact) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(fact.id),
            "subject": .string(fact.subject),
            "body": .string(fact.body),
            "kind": .string(fact.kind),
            "confidence": .double(fact.confidence),
            "tags": .array(fact.tags.map(JSONValue.string)),
        ]
        object["source"] = fact.source.map(JSONValue.string) ?? .null
        // Only when there is evidence, so graphs that never used utility keep their old form.
        if fact.usageCount > 0 { object["usage_count"] = .int(Int64(fact.usageCount)) }
        if fact.successCount > 0 { object["success_count"] = .int(Int64(fact.successCount)) }
        if fact.failureCount > 0 { object["failure_count"] = .int(Int64(fact.failureCount)) }
        return .object(object)
    }

    /// A fact from its snapshot form; only subject and body are required, the rest take the
    /// defaults `memory.add_fact` uses. An empty id means "mint one".
    static func fact(from entry: JSONValue) -> Fact? {
        guard let subject = entry["subject"]?.stringValue, let body = entry["body"]?.stringValue else { return nil }
        var fact = Fact(id: entry["id"]?.stringValue ?? "", subject: subject, body: body,
                        kind: entry["kind"]?.stringValue ?? "pattern",
                        confidence: entry["confidence"]?.doubleValue ?? 1.0,
                        tags: entry["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                        source: entry["source"]?.stringValue)
        func count(_ key: String) -> Int { min(Fact.maxCount, max(0, Int(clamping: entry[key]?.intValue ?? 0))) }
        fact.usageCount = count("usage_count")
        fact.successCount = count("success_count")
        fact.failureCount = count("failure_count")
        return fact
    }
}
