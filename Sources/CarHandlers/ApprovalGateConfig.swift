/// How the approval gate behaves, as an embedder or the command line sets it (the seed's
/// `ServerStateConfig::with_approval_gate`).
public struct ApprovalGateConfig: Sendable {
    /// Off with `--no-approvals` / `CAR_NO_APPROVALS=1`: only for a trusted single-user machine.
    public var enabled: Bool
    /// The gated methods; nil means the spec's (those marked `approval: gated`).
    public var methods: Set<String>?
    /// How long a gated call waits for a person before it is denied.
    public var timeout: Duration

    public init(enabled: Bool = true, methods: Set<String>? = nil, timeout: Duration = .seconds(60)) {
        self.enabled = enabled
        self.methods = methods
        self.timeout = timeout
    }
}
