/// The dated revisions of MCP's streamable HTTP transport this server speaks.
public enum MCPProtocolVersion {
    /// Newest first: what `initialize` answers when the client asks for one we lack.
    public static let supported = ["2025-11-25", "2025-06-18", "2025-03-26"]
    public static let latest = supported[0]
    /// A request without `MCP-Protocol-Version` is taken as this revision, the one before the
    /// header existed (2025-06-18 §Protocol Version Header).
    public static let assumedWhenAbsent = "2025-03-26"

    public static func isSupported(_ version: String) -> Bool { supported.contains(version) }

    /// The version `initialize` settles on: the client's when we speak it, else our newest
    /// (the client then decides whether it can go on).
    public static func negotiate(requested: String?) -> String {
        guard let requested, isSupported(requested) else { return latest }
        return requested
    }
}
