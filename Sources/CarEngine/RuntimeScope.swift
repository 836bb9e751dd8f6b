import CarJSON

/// Who a proposal runs for (`proposal.submit`'s `scope`): a caller and tenant identity recorded
/// on every event, and a tenant whose state view the proposal's state reads and writes go
/// through.
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

    /// Reads `{callerId?, tenantId?, claims?}`; the snake_case spellings are accepted too, since
    /// every other field of the protocol is snake_case and clients get it wrong both ways.
    public init(json: JSONValue) throws(RuntimeScopeError) {
        guard let object = json.objectValue else { throw RuntimeScopeError("scope must be an object") }
        func string(_ camel: String, _ snake: String) throws(RuntimeScopeError) -> String? {
            switch object[camel] ?? object[snake] {
            case nil, .null?: return nil
            case .string(let text)?: return text
            case let other?: throw RuntimeScopeError("scope '\(camel)' must be a string, not \(other.typeName)")
            }
        }
        self.init(callerID: try string("callerId", "caller_id"), tenantID: try string("tenantId", "tenant_id"),
                  claims: object["claims"].flatMap { $0 == .null ? nil : $0 })
    }

    /// The tenant whose namespace applies, nil when unscoped.
    public var tenant: String? { StateStore.normalize(tenantID) }
}

public struct RuntimeScopeError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
