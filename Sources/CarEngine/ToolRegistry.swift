import CarIR
import Synchronization

/// The tools one connection has registered. The client implements them; the runtime only
/// needs the schema to accept or refuse a `tool_call` before dispatch. Bounded in count and
/// bytes (`RuntimeCaps`), since a client could otherwise register without end.
public final class ToolRegistry: Sendable {
    private struct Table {
        var schemas: [String: (schema: ToolSchema, bytes: Int)] = [:]
        var bytes = 0
    }

    private let table = Mutex(Table())
    public let maxTools: Int
    public let maxBytes: Int

    public init(maxTools: Int = RuntimeCaps().maxTools, maxBytes: Int = RuntimeCaps().maxToolBytes) {
        self.maxTools = max(0, maxTools)
        self.maxBytes = max(0, maxBytes)
    }

    /// Adds the tools, replacing any already registered under the same name (a client
    /// re-registering after editing a description must not end up with two). Returns how
    /// many were given. All or nothing: a batch that would pass a cap registers none.
    @discardableResult
    public func register(_ tools: [ToolSchema]) throws(ToolRegistryError) -> Int {
        let sized = tools.map { ($0, Self.bytes(of: $0)) }
        let (maxTools, maxBytes) = (self.maxTools, self.maxBytes)
        try table.withLock { (table) throws(ToolRegistryError) in
            var next = table
            for (tool, bytes) in sized {
                next.bytes += bytes - (next.schemas[tool.name]?.bytes ?? 0)
                next.schemas[tool.name] = (tool, bytes)
            }
            if next.schemas.count > maxTools {
                throw ToolRegistryError("tools.register: this connection may register at most \(maxTools) tools "
                                        + "(\(table.schemas.count) registered; this call would make \(next.schemas.count))")
            }
            if next.bytes > maxBytes {
                throw ToolRegistryError("tools.register: this connection's tools may take at most \(maxBytes) bytes of names, "
                                        + "descriptions and schemas (\(table.bytes) used; this call would make \(next.bytes))")
            }
            table = next
        }
        return tools.count
    }

    /// 1 if the tool was registered, else 0: reported rather than raised, so a client can
    /// clean up unconditionally.
    @discardableResult
    public func unregister(_ name: String) -> Int {
        table.withLock { table in
            guard let removed = table.schemas.removeValue(forKey: name) else { return 0 }
            table.bytes -= removed.bytes
            return 1
        }
    }

    /// Sorted by name: the store is a hash map, and an audit listing whose order changes by
    /// itself between two identical calls could not be diffed.
    public func list() -> [ToolSchema] {
        table.withLock { $0.schemas.values.map(\.schema) }.sorted { $0.name < $1.name }
    }

    public func schema(named name: String) -> ToolSchema? {
        table.withLock { $0.schemas[name]?.schema }
    }

    public var count: Int { table.withLock { $0.schemas.count } }
    public var bytes: Int { table.withLock { $0.bytes } }

    static func bytes(of tool: ToolSchema) -> Int {
        tool.name.utf8.count + tool.description.utf8.count + RuntimeCaps.bytes(tool.parameters) + RuntimeCaps.bytes(tool.returns)
    }
}

public struct ToolRegistryError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
