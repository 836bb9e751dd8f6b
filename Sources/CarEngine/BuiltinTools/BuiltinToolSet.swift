import CarIR
import Synchronization

/// Which built-in tools a runtime enabled (`agents.register_basics`). A call is run in-process
/// only while its name is enabled here and the registry still holds the built-in's own schema:
/// a client that registers its own tool of that name afterwards (`tools.register`) gets its
/// callback back, and one unregistered is refused as any unregistered tool is.
public final class BuiltinToolSet: Sendable {
    private let enabled = Mutex<Set<String>>([])

    public init() {}

    public func enable(_ names: some Sequence<String>) {
        enabled.withLock { $0.formUnion(names) }
    }

    public func runsInProcess(_ name: String, registry: ToolRegistry) -> Bool {
        guard enabled.withLock({ $0.contains(name) }), let builtin = BuiltinTools.schema(named: name) else { return false }
        return registry.schema(named: name) == builtin
    }
}
