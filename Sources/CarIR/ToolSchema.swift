import CarJSON

/// What the runtime knows about a tool (agent-ir-spec.md, "ToolSchema"): enough to check a
/// call before it is dispatched. Registered per connection; the client implements the tool.
public struct ToolSchema: Sendable, Hashable {
    public struct RateLimit: Sendable, Hashable {
        public var maxCalls: UInt32
        public var intervalSeconds: Double

        public init(maxCalls: UInt32, intervalSeconds: Double) {
            self.maxCalls = maxCalls
            self.intervalSeconds = intervalSeconds
        }
    }

    public var name: String
    public var description: String
    /// A JSON Schema for the call's `parameters`; `{}` accepts anything.
    public var parameters: JSONValue
    public var returns: JSONValue?
    public var idempotent: Bool
    public var cacheTTLSeconds: UInt64?
    public var rateLimit: RateLimit?

    public init(
        name: String, description: String = "", parameters: JSONValue = .object([:]), returns: JSONValue? = nil,
        idempotent: Bool = false, cacheTTLSeconds: UInt64? = nil, rateLimit: RateLimit? = nil
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.returns = returns
        self.idempotent = idempotent
        self.cacheTTLSeconds = cacheTTLSeconds
        self.rateLimit = rateLimit
    }
}
