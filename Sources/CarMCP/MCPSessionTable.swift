import CarIO
import Synchronization

/// The sessions of one MCP endpoint (the seed's `mcp_sessions`): bounded, each ending when
/// idle. Ids are 128 random bits, so one cannot be guessed from another.
public final class MCPSessionTable: Sendable {
    public enum Admission {
        case admitted(MCPSession, evicted: MCPSession?)
        case full
        /// `removeAll` ran: the endpoint is stopping and takes no session.
        case closed
    }

    private struct Table {
        var sessions: [String: MCPSession] = [:]
        var closed = false
    }

    private let table = Mutex(Table())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { table.withLock { $0.sessions.count } }

    public func session(_ id: String) -> MCPSession? {
        table.withLock { $0.sessions[id] }
    }

    /// Adds `session`; at capacity the least recently used idle one makes room.
    func insert(_ session: MCPSession) -> Admission {
        table.withLock { table in
            if table.closed { return .closed }
            var evicted: MCPSession?
            if table.sessions.count >= capacity {
                guard let victim = table.sessions.values.filter({ !$0.isBusy }).min(by: { $0.lastUsed < $1.lastUsed }) else { return .full }
                table.sessions.removeValue(forKey: victim.id)
                evicted = victim
            }
            table.sessions[session.id] = session
            return .admitted(session, evicted: evicted)
        }
    }

    func remove(_ id: String) -> MCPSession? {
        table.withLock { $0.sessions.removeValue(forKey: id) }
    }

    /// Takes out the sessions idle for longer than `seconds`.
    func expire(idleFor seconds: Double, now: UInt64 = MonotonicClock.nanoseconds()) -> [MCPSession] {
        let limit = SaturatingTime.nanoseconds(SaturatingTime.duration(seconds: seconds))
        return table.withLock { table in
            // A session touched after `now` was read is not stale (and must not wrap around).
            let stale = table.sessions.values.filter { session in
                let used = session.lastUsed
                return !session.isBusy && used < now && now - used > limit
            }
            for session in stale { table.sessions.removeValue(forKey: session.id) }
            return stale
        }
    }

    /// Takes out every session and closes the table to new ones.
    func removeAll() -> [MCPSession] {
        table.withLock { table in
            table.closed = true
            defer { table.sessions = [:] }
            return Array(table.sessions.values)
        }
    }

    /// 128 bits from the system's CSPRNG, URL-safe base64 (visible ASCII, as the transport
    /// requires of a session id).
    static func newID() -> String { RandomToken.urlSafe(byteCount: 16) }
}
