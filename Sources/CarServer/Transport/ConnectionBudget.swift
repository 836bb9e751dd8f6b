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

    /// The budget split between the WebSocket listener and an HTTP one (MCP). `total` counts
    /// connections of two descriptors (a socket and a journal); an HTTP connection holds one,
    /// and so does an MCP session (its journal), which outlives its connections. So a quarter
    /// of the total (at most 1,024) goes to HTTP connections, as many to MCP sessions, and
    /// WebSocket keeps the rest: 2·webSocket + http + sessions = 2·total, and the reserve is
    /// never spent, whatever the limit.
    public static func split(total: Int) -> (webSocket: Int, http: Int, sessions: Int) {
        let http = min(1024, max(1, total / 4))
        return (max(1, total - http), http, http)
    }

    /// Connections for the dashboard's listener (a few browser tabs): a sixteenth of the total,
    /// at most 64, taken from the WebSocket share (each holds one descriptor, so two of them
    /// cost one WebSocket connection).
    public static func dashboardShare(total: Int) -> Int {
        min(64, max(1, total / 16))
    }

    /// Connections for an A2A listener: peers and SDK clients keep pools of keep-alive
    /// connections (httpx: up to 100), so an eighth of the total, at most 256, taken from the
    /// WebSocket share like the dashboard's.
    public static func a2aShare(total: Int) -> Int {
        min(256, max(1, total / 8))
    }

    static func connections(forDescriptors descriptors: rlim_t) -> Int {
        let usable = Int(clamping: descriptors) - reserve
        return min(ceiling, max(1, usable / 2))
    }
}
