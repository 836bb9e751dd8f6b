/// Bounds of the peer registry: the file is read whole on every operation, and every peer
/// becomes outbound card fetches during discovery.
public struct A2APeerRegistryLimits: Sendable, Equatable {
    public var maxPeers: Int
    public var maxLabelLength: Int
    public var maxURLLength: Int
    public var maxFileBytes: Int
    /// Mutations waiting for the one running; past it a mutation is refused.
    public var maxWaitingMutations: Int

    public init(maxPeers: Int = 256, maxLabelLength: Int = 200, maxURLLength: Int = 2048,
                maxFileBytes: Int = 1 << 20, maxWaitingMutations: Int = 64) {
        self.maxPeers = maxPeers
        self.maxLabelLength = maxLabelLength
        self.maxURLLength = maxURLLength
        self.maxFileBytes = maxFileBytes
        self.maxWaitingMutations = maxWaitingMutations
    }
}
