import Synchronization

/// Which connection each supervised agent is attached through (the seed's `attached_agents`):
/// one connection per agent id, so daemon-side per-agent state (its memory, the chat routed
/// to it) is never ambiguous. A claim ends when its connection closes, so a respawned child
/// can attach again at once.
public final class AgentAttachments: Sendable {
    public struct Taken: Error, Sendable, CustomStringConvertible {
        public let agentID: String
        public var description: String { "agent '\(agentID)' is already attached on another connection" }
    }

    private let table = Mutex<(byAgent: [String: String], byClient: [String: String])>(([:], [:]))

    public init() {}

    /// Attaches `agentID` through `clientID`; the same connection claiming again is fine.
    public func claim(agentID: String, clientID: String) throws(Taken) {
        let taken = table.withLock { table -> Bool in
            if let holder = table.byAgent[agentID] { return holder != clientID }
            // A connection is one agent: a second claim on it moves it.
            if let previous = table.byClient[clientID] { table.byAgent[previous] = nil }
            table.byAgent[agentID] = clientID
            table.byClient[clientID] = agentID
            return false
        }
        if taken { throw Taken(agentID: agentID) }
    }

    /// Ends the claim of a closed connection; answers the agent it was attached as, if any.
    @discardableResult
    public func release(clientID: String) -> String? {
        table.withLock { table in
            guard let agentID = table.byClient.removeValue(forKey: clientID) else { return nil }
            if table.byAgent[agentID] == clientID { table.byAgent[agentID] = nil }
            return agentID
        }
    }

    /// The connection an agent is attached through.
    public func client(ofAgent agentID: String) -> String? { table.withLock { $0.byAgent[agentID] } }
}
