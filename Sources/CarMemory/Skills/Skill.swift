import CarJSON

/// A learned procedure and the context that should bring it to mind: who does it (persona),
/// where (a URL pattern), and what the task is about (keywords).
public struct Skill: Sendable, Hashable {
    public var name: String
    public var code: String
    public var platform: String
    public var persona: String?
    public var urlPattern: String?
    public var description: String
    public var taskKeywords: [String]
    /// Stable per name: re-ingesting a skill keeps its node.
    public var nodeID: Int
    public var stats: SkillStats
    /// Set when a later skill declared `supersedes` for this one; it is no longer offered.
    public var supersededBy: String?
    /// What distillation said about it (`skills.ingest_distilled`); nil for a skill ingested
    /// directly.
    public var whenToApply: String?
    public var scope: JSONValue?
    public var source: String?
    /// Where the skill is in its lifecycle (`SkillLifecycle`): active, or a provisional
    /// candidate on trial (`<incumbent>@cand`).
    public var status: SkillStatus = .active
    /// The base name a provisional candidate trials to replace; nil for an active skill.
    public var incumbent: String?
    /// 1 when first stored; each promotion of a candidate over it adds one.
    public var version = 1
    /// The tenant a provisional candidate was ingested for (`skills.ingest_provisional`).
    public var tenant: String?

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(name), "code": .string(code), "platform": .string(platform),
            "description": .string(description), "task_keywords": .array(taskKeywords.map(JSONValue.string)),
            "node_id": .int(Int64(nodeID)), "stats": stats.json,
            "persona": persona.map(JSONValue.string) ?? .null, "url_pattern": urlPattern.map(JSONValue.string) ?? .null,
        ]
        if let supersededBy { object["superseded_by"] = .string(supersededBy) }
        // The platform is the domain outcomes are judged in; distilled skills name it so.
        object["domain"] = .string(platform)
        if let whenToApply { object["when_to_apply"] = .string(whenToApply) }
        if let scope { object["scope"] = scope }
        if let source { object["source"] = .string(source) }
        object["status"] = .string(status.rawValue)
        object["version"] = .int(Int64(version))
        if let incumbent { object["incumbent"] = .string(incumbent) }
        if let tenant { object["tenant"] = .string(tenant) }
        return .object(object)
    }

    init(json: JSONValue) throws(SkillError) {
        guard let name = json["name"]?.stringValue, !name.isEmpty, let code = json["code"]?.stringValue else {
            throw SkillError("a stored skill needs a name and code")
        }
        self.name = name
        self.code = code
        platform = json["platform"]?.stringValue ?? json["domain"]?.stringValue ?? ""
        persona = json["persona"]?.stringValue
        urlPattern = json["url_pattern"]?.stringValue
        description = json["description"]?.stringValue ?? ""
        taskKeywords = json["task_keywords"]?.arrayValue?.compactMap(\.stringValue) ?? []
        nodeID = Int(json["node_id"]?.intValue ?? 0)
        stats = SkillStats(json: json["stats"] ?? .null)
        supersededBy = json["superseded_by"]?.stringValue
        whenToApply = json["when_to_apply"]?.stringValue
        if case .object? = json["scope"] { scope = json["scope"] }
        source = json["source"]?.stringValue
        // Skills stored before the lifecycle existed are active, version 1.
        if let text = json["status"]?.stringValue {
            guard let status = SkillStatus(rawValue: text) else { throw SkillError("skill '\(name)' has an unknown status '\(text)'") }
            self.status = status
        }
        // Clamped like an import's, so a promotion's `version + 1` cannot overflow.
        version = Int(min(max(json["version"]?.intValue ?? 1, 1), Int64(Int32.max)))
        incumbent = json["incumbent"]?.stringValue
        tenant = json["tenant"]?.stringValue
        if status == .provisional && incumbent == nil { throw SkillError("provisional skill '\(name)' names no incumbent") }
    }

    init(name: String, code: String, platform: String, persona: String?, urlPattern: String?, description: String,
         taskKeywords: [String], nodeID: Int, stats: SkillStats = SkillStats(), supersededBy: String? = nil) {
        self.name = name
        self.code = code
        self.platform = platform
        self.persona = persona
        self.urlPattern = urlPattern
        self.description = description
        self.taskKeywords = taskKeywords
        self.nodeID = nodeID
        self.stats = stats
        self.supersededBy = supersededBy
    }
}

/// How a skill has fared. It degrades — and stops being offered — once failures outnumber
/// successes by more than two, so one bad run does not bury a good skill.
public struct SkillStats: Sendable, Hashable {
    public var successCount = 0
    public var failCount = 0
    public var lastOutcome: String?

    public var degraded: Bool { failCount > successCount + 2 }
    /// Every reported outcome.
    public var outcomes: Int { successCount + failCount }

    public init() {}

    public init(successCount: Int, failCount: Int, lastOutcome: String? = nil) {
        self.successCount = successCount
        self.failCount = failCount
        self.lastOutcome = lastOutcome
    }

    /// Counts read from a snapshot or log are clamped to `0...maxCount`, so no sum over them
    /// (degraded, the gate's bound, a domain's tally) can overflow.
    init(json: JSONValue) {
        successCount = Self.clamped(json["success_count"]?.intValue)
        failCount = Self.clamped(json["fail_count"]?.intValue)
        lastOutcome = json["last_outcome"]?.stringValue
    }

    /// The most either count holds (as facts' use counts): recording past it saturates.
    public static let maxCount = 1 << 40

    static func clamped(_ value: Int64?) -> Int { Int(min(max(value ?? 0, 0), Int64(maxCount))) }

    mutating func record(_ outcome: String) {
        if outcome == "success" { successCount = min(successCount + 1, Self.maxCount) } else { failCount = min(failCount + 1, Self.maxCount) }
        lastOutcome = outcome
    }

    public var json: JSONValue {
        ["success_count": .int(Int64(successCount)), "fail_count": .int(Int64(failCount)), "degraded": .bool(degraded),
         "last_outcome": lastOutcome.map(JSONValue.string) ?? .null]
    }
}

/// A skill offered for a context, with how strongly the context activated it (0...1).
public struct SkillMatch: Sendable {
    public var skill: Skill
    public var matchScore: Double
}

public struct SkillError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
