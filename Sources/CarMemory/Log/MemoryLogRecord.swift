import CarJSON

/// One line of a memory log: the effect one write had on the graph, so that replaying the
/// lines in order rebuilds the graph exactly — the same facts with the same ids in the same
/// insertion order, the same id counter, the same skills with their node ids and stats.
///
/// The format (one compact JSON object per line, `\n`-terminated; a fact is the snapshot's
/// `{"id","subject","body","kind","confidence","tags","source"}`, a skill `Skill.json`):
///
///     {"op":"put","fact":{...},"next_id":N}      add or replace (same id: the old one goes and
///                                                the new one is newest); `next_id` only when
///                                                the id was minted: the `ws-N` counter after it
///     {"op":"delete","ids":["ws-3",...]}         remove these facts (a consolidation is one line)
///     {"op":"skills","skills":[...]}             add or replace these skills by name
///     {"op":"skills","skills":[...],"replace":true}  the skills are exactly these
///     {"op":"skills","skills":[...],"next_node_id":N}  (a compaction's) and the next new
///                                                skill's node id is at least N
///     {"op":"counts","counts":[{"id","usage_count","success_count","failure_count"},...]}
///                                                these facts' utility evidence is now these
///                                                counts (in place: no fact moves)
///     {"op":"utility","utility_weight":W,"utility_exploration":E}
///                                                the graph's retrieval blend; a compacted log
///                                                has one after its first line unless default
///     {"op":"skill_gate","put":[...],"remove":["a@cand",...],"reject":[{"key","code_sha256"},...]}
///                                                the promotion gate's run (or a compaction's copy
///                                                of the rejected buffer): put these skills by
///                                                name, remove these, remember these rejected edits
///     {"op":"reset","next_id":N,"facts":[...],"skills":[...]}
///                                                the graph is exactly this: `memory.load` and
///                                                reset write one (the whole graph in one line,
///                                                so a torn load never half-applies); a
///                                                compacted log starts with one holding no
///                                                facts, followed by one `put` per fact
///
/// Every write is one line, so a crash keeps a write whole or drops it whole. Conversation
/// turns are not part of the graph (snapshots never held them either) and are not logged.
enum MemoryLogRecord: Sendable {
    case put(Fact, nextID: UInt64?)
    case delete([String])
    /// `nextNodeID`: the node id the next new skill gets, when it is past every listed
    /// skill's (a compaction's line, after the gate removed newer candidates), so a replayed
    /// graph mints the same ids as the live one.
    case skills([Skill], replace: Bool, nextNodeID: Int? = nil)
    case skillGate(put: [Skill], removed: [String], rejected: [RejectedCandidate])
    case reset(nextID: UInt64, facts: [Fact], skills: [Skill])
    case counts([FactCounts])
    case utility(UtilityRetrieval)

    /// A fact's utility evidence, as a `counts` line carries it.
    struct FactCounts: Sendable {
        var id: String
        var uses: Int
        var successes: Int
        var failures: Int
    }

    /// How many facts and skills the line names: the measure compaction compares with the
    /// graph's live size, so one consolidation line deleting 1,000 facts counts 1,000.
    var entries: Int {
        switch self {
        case .put: 1
        case .delete(let ids): ids.count
        case .skills(let skills, _, _): skills.count
        case let .skillGate(put, removed, rejected): put.count + removed.count + rejected.count
        case .reset(_, let facts, let skills): 1 + facts.count + skills.count
        case .counts(let list): list.count
        case .utility: 1
        }
    }

    var json: JSONValue {
        switch self {
        case let .put(fact, nextID):
            var object: [String: JSONValue] = ["op": "put", "fact": MemoryEngine.json(fact)]
            if let nextID { object["next_id"] = .int(Int64(nextID)) }
            return .object(object)
        case .delete(let ids):
            return ["op": "delete", "ids": .array(ids.map(JSONValue.string))]
        case let .skills(skills, replace, nextNodeID):
            var object: [String: JSONValue] = ["op": "skills", "skills": .array(skills.map(\.json))]
            if replace { object["replace"] = true }
            if let nextNodeID { object["next_node_id"] = .int(Int64(nextNodeID)) }
            return .object(object)
        case let .skillGate(put, removed, rejected):
            return ["op": "skill_gate", "put": .array(put.map(\.json)), "remove": .array(removed.map(JSONValue.string)),
                    "reject": .array(rejected.map(\.json))]
        case let .reset(nextID, facts, skills):
            return ["op": "reset", "next_id": .int(Int64(nextID)),
                    "facts": .array(facts.map(MemoryEngine.json)), "skills": .array(skills.map(\.json))]
        case .counts(let list):
            return ["op": "counts", "counts": .array(list.map { entry in
                ["id": .string(entry.id), "usage_count": .int(Int64(entry.uses)),
                 "success_count": .int(Int64(entry.successes)), "failure_count": .int(Int64(entry.failures))]
            })]
        case .utility(let blend):
            return ["op": "utility", "utility_weight": .double(blend.weight), "utility_exploration": .double(blend.exploration)]
        }
    }

    /// The line, newline included.
    var line: [UInt8] {
        var bytes = JSONWriter.bytes(json)
        bytes.append(0x0A)
        return bytes
    }

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    init(json: JSONValue) throws(Invalid) {
        guard let op = json["op"]?.stringValue else { throw Invalid(description: "no \"op\"") }
        switch op {
        case "put":
            guard let entry = json["fact"] else { throw Invalid(description: "put without \"fact\"") }
            self = .put(try Self.fact(entry), nextID: try Self.counter(json["next_id"], required: false))
        case "delete":
            guard let ids = json["ids"]?.arrayValue else { throw Invalid(description: "delete without \"ids\"") }
            let names = ids.compactMap(\.stringValue)
            guard names.count == ids.count else { throw Invalid(description: "delete: an id is not a string") }
            self = .delete(names)
        case "skills":
            var nextNodeID: Int?
            if let raw = json["next_node_id"]?.intValue {
                guard raw >= 1, raw <= Int64(Int32.max) else { throw Invalid(description: "skills: next_node_id out of range") }
                nextNodeID = Int(raw)
            }
            self = .skills(try Self.skills(json["skills"]), replace: json["replace"]?.boolValue ?? false, nextNodeID: nextNodeID)
        case "skill_gate":
            guard let removed = json["remove"]?.arrayValue, let rejected = json["reject"]?.arrayValue else {
                throw Invalid(description: "skill_gate without \"remove\" and \"reject\"")
            }
            let names = removed.compactMap(\.stringValue)
            let entries = rejected.compactMap(RejectedCandidate.init(json:))
            guard names.count == removed.count, entries.count == rejected.count else {
                throw Invalid(description: "skill_gate: a removed name is not a string or a rejected entry lacks key and code_sha256")
            }
            self = .skillGate(put: try Self.skills(json["put"]), removed: names, rejected: entries)
        case "reset":
            guard let facts = json["facts"]?.arrayValue else { throw Invalid(description: "reset without \"facts\"") }
            var loaded: [Fact] = []
            loaded.reserveCapacity(facts.count)
            for entry in facts { loaded.append(try Self.fact(entry)) }
            self = .reset(nextID: try Self.counter(json["next_id"], required: true) ?? 1, facts: loaded,
                          skills: try Self.skills(json["skills"]))
        case "counts":
            guard let entries = json["counts"]?.arrayValue else { throw Invalid(description: "counts without \"counts\"") }
            var list: [FactCounts] = []
            list.reserveCapacity(entries.count)
            for entry in entries {
                guard let id = entry["id"]?.stringValue, !id.isEmpty else { throw Invalid(description: "counts: an entry has no id") }
                func count(_ key: String) throws(Invalid) -> Int {
                    guard let value = entry[key]?.intValue, value >= 0 else {
                        throw Invalid(description: "counts: '\(key)' of '\(id)' must be a non-negative integer")
                    }
                    return min(Fact.maxCount, Int(clamping: value))
                }
                list.append(FactCounts(id: id, uses: try count("usage_count"), successes: try count("success_count"),
                                       failures: try count("failure_count")))
            }
            self = .counts(list)
        case "utility":
            guard let weight = json["utility_weight"]?.doubleValue, let exploration = json["utility_exploration"]?.doubleValue else {
                throw Invalid(description: "utility without numeric utility_weight and utility_exploration")
            }
            self = .utility(UtilityRetrieval(weight: weight, exploration: exploration))
        default:
            throw Invalid(description: "unknown op '\(op)'")
        }
    }

    private static func fact(_ entry: JSONValue) throws(Invalid) -> Fact {
        // Unlike a snapshot, a log names every id: minting on replay could not give the same one.
        guard let fact = MemoryEngine.fact(from: entry), !fact.id.isEmpty else {
            throw Invalid(description: "a fact needs a non-empty id and string subject and body")
        }
        return fact
    }

    private static func skills(_ value: JSONValue?) throws(Invalid) -> [Skill] {
        guard let entries = value?.arrayValue else { throw Invalid(description: "no \"skills\" array") }
        var skills: [Skill] = []
        skills.reserveCapacity(entries.count)
        for entry in entries {
            let skill: Skill
            do { skill = try Skill(json: entry) } catch { throw Invalid(description: error.description) }
            guard skill.nodeID > 0 else { throw Invalid(description: "skill '\(skill.name)' has no node_id") }
            skills.append(skill)
        }
        return skills
    }

    private static func counter(_ value: JSONValue?, required: Bool) throws(Invalid) -> UInt64? {
        guard let value else {
            if required { throw Invalid(description: "no \"next_id\"") }
            return nil
        }
        guard let number = value.intValue, number > 0 else { throw Invalid(description: "next_id must be a positive integer") }
        return UInt64(number)
    }
}
