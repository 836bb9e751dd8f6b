/// One remembered statement: `subject` is what it is about, `body` what is known.
public struct Fact: Sendable, Hashable {
    public var id: String
    public var subject: String
    public var body: String
    /// Free-form category (`pattern`, `constraint`, ...); `constraint` facts are the rules a
    /// model must follow, so they are flagged for the context builder.
    public var kind: String
    public var confidence: Double
    public var tags: [String]
    public var source: String?
    /// Utility-aware retrieval's evidence: how often the fact was put in front of an agent
    /// (`memory.intervene` injecting it) and how those uses turned out.
    public var usageCount: Int = 0
    public var successCount: Int = 0
    public var failureCount: Int = 0
    /// Counts saturate here, so the graph's total over a million facts cannot overflow.
    public static let maxCount = 1 << 40

    public var isConstraint: Bool { kind == "constraint" }

    public init(id: String, subject: String, body: String, kind: String, confidence: Double = 1.0, tags: [String] = [], source: String? = nil) {
        self.id = id
        self.subject = subject
        self.body = body
        self.kind = kind
        self.confidence = confidence
        self.tags = tags
        self.source = source
    }
}
