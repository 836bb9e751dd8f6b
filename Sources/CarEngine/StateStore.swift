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
        /// What each key is counted as (`entryBytes`), beside the values so reads stay as they
        /// were; and their sum.
        var unscopedSizes: [String: Int] = [:]
        var tenantSizes: [String: [String: Int]] = [:]
        var bytes = 0

        subscript(tenant: String?) -> [String: JSONValue] {
            guard let tenant else { return unscoped }
            return tenants[tenant] ?? [:]
        }
    }

    /// The most keys the store holds across all tenants; a write that would add one more fails.
    public let maxKeys: Int
    /// The most bytes (keys, tenant ids and values as compact JSON) held across all tenants.
    public let maxBytes: Int
    private let maps = Mutex(Maps())

    public init(maxKeys: Int = StateStore.defaultMaxKeys, maxBytes: Int = RuntimeCaps().maxStateBytes) {
        self.maxKeys = max(0, maxKeys)
        self.maxBytes = max(0, maxBytes)
    }

    public func get(_ key: String, tenant: String?) -> JSONValue? {
        let tenant = Self.normalize(tenant)
        if tenant == nil, key.hasPrefix(Self.reservedPrefix) { return nil }
        return maps.withLock { $0[tenant][key] }
    }

    public func set(_ key: String, _ value: JSONValue, tenant: String?) throws(StateError) {
        let tenant = Self.normalize(tenant)
        if tenant == nil, key.hasPrefix(Self.reservedPrefix) { throw .reservedKey(key) }
        let (maxKeys, maxBytes) = (self.maxKeys, self.maxBytes)
        // Measured before the lock: the JSON text of a large value takes a while to write.
        let size = key.utf8.count + (tenant?.utf8.count ?? 0) + RuntimeCaps.bytes(value)
        try maps.withLock { (maps) throws(StateError) in
            let isNew = maps[tenant][key] == nil
            if isNew, maps.total >= maxKeys { throw .full(maxKeys: maxKeys) }
            let old = (tenant.map { maps.tenantSizes[$0]?[key] } ?? maps.unscopedSizes[key]) ?? 0
            let bytes = maps.bytes - old + size
            if bytes > maxBytes { throw .tooManyBytes(maxBytes: maxBytes, used: maps.bytes, needed: size) }
            if let tenant {
                maps.tenants[tenant, default: [:]][key] = value
                maps.tenantSizes[tenant, default: [:]][key] = size
            } else {
                maps.unscoped[key] = value
                maps.unscopedSizes[key] = size
            }
            maps.bytes = bytes
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

    /// Keys held across every tenant, and the bytes they are counted as.
    public var count: Int { maps.withLock { $0.total } }
    public var bytes: Int { maps.withLock { $0.bytes } }

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

    static func tooManyBytes(maxBytes: Int, used: Int, needed: Int) -> StateError {
        StateError("state store is full: it may hold at most \(maxBytes) bytes of keys and values (as JSON) for this connection; "
                   + "\(used) are used and this write needs \(needed) (smaller values, or fewer keys)")
    }

    static func reservedKey(_ key: String) -> StateError {
        StateError("state key '\(key)' is reserved: keys starting 'tenant:' belong to tenant-scoped state; pass tenant_id instead")
    }
}
