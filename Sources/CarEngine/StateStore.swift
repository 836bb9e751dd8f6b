import CarJSON
import Synchronization

/// The runtime's key/value state, with strict tenant isolation (websocket-protocol.md,
/// "state"): a tenant's keys are addressed as `tenant:<id>:<key>`, an unscoped caller never
/// sees any key starting `tenant:`, and a scoped caller sees only its own keys, prefix
/// stripped. An empty tenant id means unscoped.
///
/// Each tenant's keys are held in their own map rather than under a flat prefixed key, so a
/// tenant id containing `:` cannot alias another tenant's keys (`a` + `b:c` vs `a:b` + `c`).
public final class StateStore: Sendable {
    public static let defaultMaxKeys = 100_000
    static let reservedPrefix = "tenant:"

    private struct Maps: Sendable {
        var unscoped: [String: JSONValue] = [:]
        var tenants: [String: [String: JSONValue]] = [:]
        var total = 0

        subscript(tenant: String?) -> [String: JSONValue] {
            guard let tenant else { return unscoped }
            return tenants[tenant] ?? [:]
        }
    }

    /// The most keys the store holds across all tenants; a write that would add one more fails.
    public let maxKeys: Int
    private let maps = Mutex(Maps())

    public init(maxKeys: Int = StateStore.defaultMaxKeys) {
        self.maxKeys = max(0, maxKeys)
    }

    public func get(_ key: String, tenant: String?) -> JSONValue? {
        let tenant = Self.normalize(tenant)
        if tenant == nil, key.hasPrefix(Self.reservedPrefix) { return nil }
        return maps.withLock { $0[tenant][key] }
    }

    public func set(_ key: String, _ value: JSONValue, tenant: String?) throws(StateError) {
        let tenant = Self.normalize(tenant)
        if tenant == nil, key.hasPrefix(Self.reservedPrefix) { throw .reservedKey(key) }
        let maxKeys = self.maxKeys
        try maps.withLock { (maps) throws(StateError) in
            let isNew = maps[tenant][key] == nil
            if isNew, maps.total >= maxKeys { throw .full(maxKeys: maxKeys) }
            if let tenant {
                maps.tenants[tenant, default: [:]][key] = value
            } else {
                maps.unscoped[key] = value
            }
            if isNew { maps.total += 1 }
        }
    }

    public func exists(_ key: String, tenant: String?) -> Bool {
        get(key, tenant: tenant) != nil
    }

    /// Sorted, so two identical calls list identically.
    public func keys(tenant: String?) -> [String] {
        snapshot(tenant: tenant).keys.sorted()
    }

    public func snapshot(tenant: String?) -> [String: JSONValue] {
        let tenant = Self.normalize(tenant)
        return maps.withLock { $0[tenant] }
    }

    /// Keys held across every tenant.
    public var count: Int { maps.withLock { $0.total } }

    /// The store as one tenant (or the unscoped caller) sees it.
    public func view(tenant: String?) -> StateView {
        StateView(store: self, tenant: Self.normalize(tenant))
    }

    static func normalize(_ tenant: String?) -> String? {
        guard let tenant, !tenant.isEmpty else { return nil }
        return tenant
    }
}

/// `StateStore` seen through one tenant: what an executing proposal reads and writes.
public struct StateView: Sendable {
    public let store: StateStore
    /// Nil for the unscoped namespace.
    public let tenant: String?

    public func get(_ key: String) -> JSONValue? { store.get(key, tenant: tenant) }
    public func set(_ key: String, _ value: JSONValue) throws(StateError) { try store.set(key, value, tenant: tenant) }
    public func exists(_ key: String) -> Bool { store.exists(key, tenant: tenant) }
    public func snapshot() -> [String: JSONValue] { store.snapshot(tenant: tenant) }
}

public struct StateError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    static func full(maxKeys: Int) -> StateError {
        StateError("state store is full: it holds its maximum of \(maxKeys) keys, so a new key cannot be added (existing keys can still be overwritten)")
    }

    static func reservedKey(_ key: String) -> StateError {
        StateError("state key '\(key)' is reserved: keys starting 'tenant:' belong to tenant-scoped state; pass tenant_id instead")
    }
}
