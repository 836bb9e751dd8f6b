import CarIR
import Synchronization

/// The tools one connection has registered. The client implements them; the runtime only
/// needs the schema to accept or refuse a `tool_call` before dispatch.
public final class ToolRegistry: Sendable {
    private let schemas = Mutex<[String: ToolSchema]>([:])

    public init() {}

    /// Adds the tools, replacing any already registered under the same name (a client
    /// re-registering after editing a description must not end up with two). Returns how
    /// many were given.
    @discardableResult
    public func register(_ tools: [ToolSchema]) -> Int {
        schemas.withLock { schemas in
            for tool in tools { schemas[tool.name] = tool }
        }
        return tools.count
    }

    /// 1 if the tool was registered, else 0: reported rather than raised, so a client can
    /// clean up unconditionally.
    @discardableResult
    public func unregister(_ name: String) -> Int {
        schemas.withLock { $0.removeValue(forKey: name) == nil ? 0 : 1 }
    }

    /// Sorted by name: the store is a hash map, and an audit listing whose order changes by
    /// itself between two identical calls could not be diffed.
    public func list() -> [ToolSchema] {
        schemas.withLock { Array($0.values) }.sorted { $0.name < $1.name }
    }

    public func schema(named name: String) -> ToolSchema? {
        schemas.withLock { $0[name] }
    }

    public var count: Int { schemas.withLock { $0.count } }
}
