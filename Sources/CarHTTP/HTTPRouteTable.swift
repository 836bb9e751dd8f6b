/// Which handler serves which path: exact paths, and prefixes ending in `/` for a subtree.
/// The longest match wins, so `/mcp/health` can sit beside `/mcp`. Paths are compared as
/// sent (not percent-decoded), and the query never takes part.
public struct HTTPRouteTable: Sendable {
    private var exact: [String: any HTTPRouteHandler] = [:]
    private var prefixes: [(prefix: String, handler: any HTTPRouteHandler)] = []

    public init() {}

    public var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty }

    /// `path` served by `handler`; a path ending in `/` (other than `/` itself) serves its
    /// whole subtree. A later registration of the same path replaces the earlier one.
    public mutating func add(_ path: String, _ handler: any HTTPRouteHandler) {
        if path.count > 1, path.hasSuffix("/") {
            prefixes.removeAll { $0.prefix == path }
            prefixes.append((path, handler))
            prefixes.sort { $0.prefix.count > $1.prefix.count }
        } else {
            exact[path] = handler
        }
    }

    public func handler(for path: String) -> (any HTTPRouteHandler)? {
        if let handler = exact[path] { return handler }
        return prefixes.first { path.hasPrefix($0.prefix) }?.handler
    }
}
