import CarIO
import Synchronization

/// The sessions of one MCP endpoint (the seed's `mcp_sessions`): bounded, each ending when
/// idle. Ids are 128 random bits in hex, so one cannot be guessed from another.
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
            let stale = table.values.filter { !$0.isBusy && now &- $0.lastUsed > limit }
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

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high: UInt64 = generator.next()
        let low: UInt64 = generator.next()
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
