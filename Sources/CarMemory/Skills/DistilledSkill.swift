import CarJSON

/// A skill as distillation produces it (`skills.ingest_distilled`): the procedure, when to use
/// it, and the trigger context that brings it to mind. Read field by field, so a bad entry is
/// refused naming `skills[i].<field>` and nothing of the batch is stored.
public struct DistilledSkill: Sendable, Hashable {
    public var name: String
    public var code: String
    public var description: String
    public var whenToApply: String?
    /// Where the skill holds (`{"domain": "web"}`, ...), kept as given.
    public var scope: JSONValue?
    /// How it was learned (`success`, `failure`, ...).
    public var source: String?
    /// The domain its outcomes are judged in (`skills.domains_needing_evolution`); `scope.domain`
    /// when the top-level member is absent.
    public var domain: String
    public var persona: String?
    public var urlPattern: String?
    public var taskKeywords: [String]

    /// The most skills one call ingests.
    public static let maxPerCall = 10_000

    public init(json: JSONValue, at position: Int) throws(SkillError) {
        let field = "skills[\(position)]"
        guard case .object(let o) = json else { throw SkillError("\(field) must be an object") }
        func string(_ key: String, in object: [String: JSONValue], _ path: String) throws(SkillError) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            default: throw SkillError("\(path).\(key) must be a string")
            }
        }
        guard let name = try string("name", in: o, field), !name.isEmpty else { throw SkillError("\(field).name must be a non-empty string") }
        guard let code = try string("code", in: o, field) else { throw SkillError("\(field).code must be a string") }
        self.name = name
        self.code = code
        description = try string("description", in: o, field) ?? ""
        whenToApply = try string("when_to_apply", in: o, field)
        source = try string("source", in: o, field)
        switch o["scope"] {
        case nil, .null?: scope = nil
        case .object(let members)?:
            scope = .object(members)
        default: throw SkillError("\(field).scope must be an object")
        }
        var scopeDomain: String?
        if case .object(let members)? = scope { scopeDomain = try string("domain", in: members, field + ".scope") }
        domain = try string("domain", in: o, field) ?? scopeDomain ?? ""
        switch o["trigger"] {
        case nil, .null?:
            persona = nil
            urlPattern = nil
            taskKeywords = []
        case .object(let trigger)?:
            persona = try string("persona", in: trigger, field + ".trigger").flatMap { $0.isEmpty ? nil : $0 }
            urlPattern = try string("url_pattern", in: trigger, field + ".trigger").flatMap { $0.isEmpty ? nil : $0 }
            switch trigger["task_keywords"] {
            case nil, .null?: taskKeywords = []
            case .array(let items)?:
                var keywords: [String] = []
                for (index, item) in items.enumerated() {
                    guard case .string(let keyword) = item else {
                        throw SkillError("\(field).trigger.task_keywords[\(index)] must be a string")
                    }
                    keywords.append(keyword)
                }
                taskKeywords = keywords
            default: throw SkillError("\(field).trigger.task_keywords must be an array of strings")
            }
        default: throw SkillError("\(field).trigger must be an object")
        }
    }

    /// A whole `skills` array, all or nothing.
    public static func batch(_ json: JSONValue) throws(SkillError) -> [DistilledSkill] {
        guard case .array(let items) = json else { throw SkillError("skills must be an array") }
        guard items.count <= maxPerCall else { throw SkillError("skills holds \(items.count) entries; at most \(maxPerCall) per call") }
        var out: [DistilledSkill] = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() { out.append(try DistilledSkill(json: item, at: index)) }
        return out
    }
}
