/// The proactive memory agent's private status, one slot per tenant (or the global one).
/// Deliberately not a graph fact: nothing that retrieves facts can see it. Bounded: at most
/// `maxSlots` tenants, each body at most `maxBodyBytes`.
public struct ProactiveStatusSlots: Sendable {
    public static let maxSlots = 64
    public static let maxBodyBytes = 16 * 1024
    public static let idPrefix = "proactive-status:"
    public static let globalKey = "global"

    public struct Status: Sendable, Hashable {
        public var id: String
        public var body: String
        public var tenantID: String?
    }

    public enum Refusal: Error, Sendable, CustomStringConvertible {
        case bodyTooLong(Int)
        case tooManyTenants
        case emptyTenant
        /// "global" names the slot of no tenant (`proactive-status:global`), so no tenant may take it.
        case reservedTenant
        public var description: String {
            switch self {
            case .bodyTooLong(let bytes): "'body' is \(bytes) bytes, over the limit of \(ProactiveStatusSlots.maxBodyBytes)"
            case .tooManyTenants: "'tenant_id': this session already holds \(ProactiveStatusSlots.maxSlots) status slots"
            case .emptyTenant: "'tenant_id' must not be empty"
            case .reservedTenant: "'tenant_id' may not be \"\(ProactiveStatusSlots.globalKey)\": that names the slot without a tenant"
            }
        }
    }

    private var slots: [String: Status] = [:]
    /// A sequence number marking which maintained trajectory events have been credited.
    public var creditedThrough: UInt64 = 0

    public init() {}

    public static func id(tenantID: String?) -> String { idPrefix + (tenantID ?? globalKey) }

    public mutating func set(body: String, tenantID: String?) throws(Refusal) -> Status {
        if tenantID == "" { throw .emptyTenant }
        if tenantID == Self.globalKey { throw .reservedTenant }
        guard body.utf8.count <= Self.maxBodyBytes else { throw .bodyTooLong(body.utf8.count) }
        let id = Self.id(tenantID: tenantID)
        guard slots[id] != nil || slots.count < Self.maxSlots else { throw .tooManyTenants }
        let status = Status(id: id, body: body, tenantID: tenantID)
        slots[id] = status
        return status
    }

    public func status(tenantID: String?) -> Status? { slots[Self.id(tenantID: tenantID)] }

    /// Clears the slot a `proactive-status:<tenant-or-global>` id names; false when empty.
    public mutating func clear(id: String) -> Bool { slots.removeValue(forKey: id) != nil }

    public static func isStatusID(_ id: String) -> Bool { id.hasPrefix(idPrefix) }
}
