/// Runtime pressure that biases `memory.intervene` toward interrupting.
public struct ProactiveTrigger: Sendable, Hashable {
    public var repeatedFailures: Int
    public var toolError: Bool
    public var explicitUncertainty: Bool
    public var highRiskAction: Bool
    public var contextShift: Bool

    public init(repeatedFailures: Int = 0, toolError: Bool = false, explicitUncertainty: Bool = false,
                highRiskAction: Bool = false, contextShift: Bool = false) {
        self.repeatedFailures = max(0, repeatedFailures)
        self.toolError = toolError
        self.explicitUncertainty = explicitUncertainty
        self.highRiskAction = highRiskAction
        self.contextShift = contextShift
    }

    /// How hard the signals push: each flag 1 (context shift 0.5), each repeated failure
    /// 0.5 up to three.
    public var pressure: Double {
        (toolError ? 1 : 0) + Double(min(repeatedFailures, 3)) * 0.5 + (explicitUncertainty ? 1 : 0)
            + (highRiskAction ? 1 : 0) + (contextShift ? 0.5 : 0)
    }

    /// Both sets of signals: flags or'd, the larger failure count.
    public func merged(with other: ProactiveTrigger) -> ProactiveTrigger {
        ProactiveTrigger(repeatedFailures: max(repeatedFailures, other.repeatedFailures), toolError: toolError || other.toolError,
                         explicitUncertainty: explicitUncertainty || other.explicitUncertainty,
                         highRiskAction: highRiskAction || other.highRiskAction, contextShift: contextShift || other.contextShift)
    }
}

/// What `memory.intervene` (and each `memory.evaluate` case) asks for.
public struct ProactiveRequest: Sendable, Hashable {
    public static let defaultCandidates = 8
    public static let candidateRange = 1...64
    public static let maxRecent = 64
    public static let maxLineBytes = 4096

    public var query: String
    public var recent: [String]
    public var trigger: ProactiveTrigger
    public var force: Bool
    public var maxCandidates: Int
    public var tenantID: String?

    /// `recent` keeps its last `maxRecent` lines; every line is clipped to `maxLineBytes`.
    /// `maxCandidates` must already be in `candidateRange` (the handler refuses others).
    public init(query: String = "", recent: [String] = [], trigger: ProactiveTrigger = ProactiveTrigger(), force: Bool = false,
                maxCandidates: Int = ProactiveRequest.defaultCandidates, tenantID: String? = nil) {
        self.query = Self.clip(query)
        self.recent = recent.suffix(Self.maxRecent).map(Self.clip)
        self.trigger = trigger
        self.force = force
        self.maxCandidates = min(Self.candidateRange.upperBound, max(Self.candidateRange.lowerBound, maxCandidates))
        self.tenantID = tenantID
    }

    static func clip(_ text: String) -> String {
        guard text.utf8.count > maxLineBytes else { return text }
        var out = ""
        for character in text {
            if out.utf8.count + character.utf8.count > maxLineBytes { break }
            out.append(character)
        }
        return out
    }
}

/// One fact `memory.intervene` weighed.
public struct ProactiveCandidate: Sendable, Hashable {
    public var fact: Fact
    /// The query's walk reaching the fact (as `memory.query` scores it).
    public var relevance: Double
    /// Share of the request's term weight (inverse document frequency) the fact carries.
    public var grounding: Double
    /// What the selector compares with its threshold.
    public var score: Double
}

/// The memory bank's size, as an intervention reports it (never its contents).
public struct ProactiveBank: Sendable, Hashable {
    public var facts: Int
    public var knowledge: Int
    public var procedural: Int
}

/// What the selector decided for one request.
public struct ProactiveSelection: Sendable {
    /// Best first (by score, then relevance order).
    public var candidates: [ProactiveCandidate]
    public var bank: ProactiveBank
    /// The injected candidate; nil means silent.
    public var selected: ProactiveCandidate?
    /// Why it stays silent (nil when injecting).
    public var reason: String?
    public var threshold: Double

    /// The line to put in front of the next action.
    public var reminder: String? {
        guard let fact = selected?.fact else { return nil }
        let text = fact.subject.isEmpty ? fact.body : "\(fact.subject): \(fact.body)"
        return ContextBuilder.clip("Proactive memory (\(fact.kind)) — \(text)".replacingNewlines(), to: 1024)
    }
}
