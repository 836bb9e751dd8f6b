import Glibc

/// How many connections the process's descriptor limit (`RLIMIT_NOFILE`) affords. Each
/// connection holds its socket and, once it journals, one file; a reserve stays free for the
/// daemon's own files (snapshots, locks, a child's pipes), so an authenticated client can
/// always open what it needs even while the connection table is full.
public enum ConnectionBudget {
    /// Descriptors never given to connections.
    public static let reserve = 32
    /// The transport's own ceiling, whatever the limit.
    public static let ceiling = 16_384

    public static func fromDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 256 }
        return connections(forDescriptors: limit.rlim_cur)
    }

    /// The budget split between the WebSocket listener and an HTTP one (MCP): an HTTP
    /// connection holds one descriptor, a WebSocket connection up to two, so HTTP gets a
    /// quarter of the connections (at most 1,024) and WebSocket what leaves the total within
    /// the limit; both listeners together never spend the reserve.
    /// `sessions` descriptors are set aside first for what outlives an HTTP connection (an MCP
    /// session's journal file).
    public static func split(total: Int, sessions: Int = 0) -> (webSocket: Int, http: Int) {
        let usable = max(2, total - (sessions + 1) / 2)
        let http = min(1024, max(1, usable / 4))
        return (max(1, usable - (http + 1) / 2), http)
    }

    static func connections(forDescriptors descriptors: rlim_t) -> Int {
        let usable = Int(clamping: descriptors) - reserve
        return min(ceiling, max(1, usable / 2))
    }
}
