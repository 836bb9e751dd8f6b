import CarJSON

/// Who a proposal runs for (`proposal.submit`'s `scope`): a caller and tenant identity recorded
/// on every event, and a tenant whose state view the proposal's state reads and writes go
/// through. The wire shape (camelCase `callerId`/`tenantId`, as the reference's serde reads it)
/// is the spec's generated `RuntimeScope`; the handler maps it to this.
public struct RuntimeScope: Sendable, Hashable {
    public var callerID: String?
    /// Non-empty: state is read and written in this tenant's namespace. Empty means unscoped.
    public var tenantID: String?
    public var claims: JSONValue?

    public init(callerID: String? = nil, tenantID: String? = nil, claims: JSONValue? = nil) {
        self.callerID = callerID
        self.tenantID = tenantID
        self.claims = claims
    }

    /// The tenant whose namespace applies, nil when unscoped.
    public var tenant: String? { StateStore.normalize(tenantID) }
}
