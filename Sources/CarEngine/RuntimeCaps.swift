import CarJSON

/// How much one connection may keep in its runtime: everything here is client input held for
/// as long as the connection lives, so each has a count and a byte bound, and a request that
/// would pass one is refused whole with an error naming the limit.
public struct RuntimeCaps: Sendable, Hashable {
    /// Registered tools, and the bytes of their names, descriptions and schemas.
    public var maxTools: Int
    public var maxToolBytes: Int
    /// Policies across the global scope and every policy session, and their bytes.
    public var maxPolicies: Int
    public var maxPolicyBytes: Int
    /// Policy sessions open at once.
    public var maxPolicySessions: Int
    /// State: keys plus their values as compact JSON, across all tenants.
    public var maxStateBytes: Int

    public init(maxTools: Int = 1_024, maxToolBytes: Int = 8 << 20, maxPolicies: Int = 1_024, maxPolicyBytes: Int = 4 << 20,
                maxPolicySessions: Int = 256, maxStateBytes: Int = 64 << 20) {
        self.maxTools = max(0, maxTools)
        self.maxToolBytes = max(0, maxToolBytes)
        self.maxPolicies = max(0, maxPolicies)
        self.maxPolicyBytes = max(0, maxPolicyBytes)
        self.maxPolicySessions = max(0, maxPolicySessions)
        self.maxStateBytes = max(0, maxStateBytes)
    }

    /// The bytes a JSON value is counted as: its compact text.
    static func bytes(_ value: JSONValue?) -> Int {
        guard let value else { return 0 }
        return JSONWriter.encodedCount(value)
    }
}
