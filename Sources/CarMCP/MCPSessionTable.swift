import CarIO
import Synchronization

/// The sessions of one MCP endpoint (the seed's `mcp_sessions`): bounded, each ending when
/// idle. Ids are 128 random bits, so one cannot be guessed from another.
public final class MCPSessionTable: Sendable {
    public enum Admission {
        case admitted(MCPSession, evicted: MCPSession?)
        case full
    }

    private let sessions = Mutex<[String: MCPSession]>([:])
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { sessions.withLock { $0.count } }

    public func session(_ id: String) -> MCPSession? {
        sessions.withLock { $0[id] }
    }

    /// Adds `session`; at capacity the least recently used idle one makes room.
    func insert(_ session: MCPSession) -> Admission {
        sessions.withLock { table in
            var evicted: MCPSession?
            if table.count >= capacity {
                guard let victim = table.values.filter({ !$0.isBusy }).min(by: { $0.lastUsed < $1.lastUsed }) else { return .full }
                table.removeValue(forKey: victim.id)
                evicted = victim
            }
            table[session.id] = session
            return .admitted(session, evicted: evicted)
        }
    }

    func remove(_ id: String) -> MCPSession? {
        sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Takes out the sessions idle for longer than `seconds`.
    func expire(idleFor seconds: Double, now: UInt64 = MonotonicClock.nanoseconds()) -> [MCPSession] {
        let limit = SaturatingTime.nanoseconds(SaturatingTime.duration(seconds: seconds))
        return sessions.withLock { table in
            // A session touched after `now` was read is not stale (and must not wrap around).
            let stale = table.values.filter { session in
                let used = session.lastUsed
                return !session.isBusy && used < now && now - used > limit
            }
            for session in stale { table.removeValue(forKey: session.id) }
            return stale
        }
    }

    func removeAll() -> [MCPSession] {
        sessions.withLock { table in
            defer { table = [:] }
            return Array(table.values)
        }
    }

    /// 128 bits from the system's CSPRNG, URL-safe base64 (visible ASCII, as the transport
    /// requires of a session id).
    static func newID() -> String { RandomToken.urlSafe(byteCount: 16) }
}
