import CarGenerated
import CarJSON
import Foundation
import Synchronization

/// A conversational A2A message served by a connection's `agent.chat` handler: the daemon
/// reverse-calls `agent.chat` on it, collects the `agent.chat.event` deltas of that turn
/// (`ChatRelay.relay` hands them here before its own routing) and answers the text when the
/// turn is done. 5 s to accept, then 180 s for the whole reply, as the reference daemon; a
/// connection that never accepts gives nil, which the dispatcher acknowledges instead.
public final class A2ASessionConversation: Sendable {
    public struct Limits: Sendable {
        public var ack: Duration = .seconds(5)
        public var reply: Duration = .seconds(180)
        /// Reply text kept; the rest of a longer reply is dropped with a note.
        public var maxReplyBytes = 1 << 20
        /// Conversations in flight at once.
        public var maxTurns = 256
        public init() {}
    }

    private final class Turn: Sendable {
        let agentClientID: String
        let state = Mutex<(text: String, truncated: Bool, ended: CheckedContinuation<Void, Never>?, done: Bool, error: String?)>(("", false, nil, false, nil))
        init(agentClientID: String) { self.agentClientID = agentClientID }
    }

    let limits: Limits
    private let turns = Mutex<[String: Turn]>([:])

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The agent's reply, nil when it did not take the turn (no handler, a refusal, no ack in
    /// time). Throws when the turn failed (an error event, the connection going, the cap).
    func reply(to text: String, contextID: String, session: ClientSession) async throws -> String? {
        let sessionID = "a2a-" + UUID().uuidString.lowercased()
        let turn = Turn(agentClientID: session.clientID)
        let admitted = turns.withLock { table -> Bool in
            guard table.count < limits.maxTurns else { return false }
            table[sessionID] = turn
            return true
        }
        guard admitted else { throw A2AToolFailure("too many A2A conversations in flight (\(limits.maxTurns)); try again later") }
        defer { _ = turns.withLock { $0.removeValue(forKey: sessionID) } }
        let proxy = CarClientProxy(peer: session.peer)
        do {
            let ack = try await proxy.agentChat(.init(attachments: nil, goal: nil, model: nil, prompt: text, sessionId: sessionID),
                                                id: proxy.nextCallID(), timeout: limits.ack)
            guard ack.accepted else { return nil }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return nil
        }
        let finished = await withTaskGroup(of: Bool.self) { group -> Bool in
            group.addTask { await Self.waitForEnd(turn); return true }
            group.addTask { [limits] in try? await Task.sleep(for: limits.reply); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            Self.wake(turn)
            return first
        }
        if Task.isCancelled {
            Self.cancelAtAgent(proxy, sessionID)
            throw CancellationError()
        }
        let result = turn.state.withLock { ($0.text, $0.truncated, $0.error) }
        if let error = result.2 { throw A2AToolFailure("the agent's reply failed: \(error)") }
        guard finished else {
            Self.cancelAtAgent(proxy, sessionID)
            throw A2AToolFailure("the agent did not finish its reply within \(limits.reply)")
        }
        return result.1 ? result.0 + " [reply truncated]" : result.0
    }

    /// Best effort, as `agents.chat.cancel` does: the answer is not awaited by the turn.
    private static func cancelAtAgent(_ proxy: CarClientProxy, _ sessionID: String) {
        Task { _ = try? await proxy.agentChatCancel(.init(sessionId: sessionID), timeout: .seconds(5)) }
    }

    /// One `agent.chat.event`; true when it belonged to an A2A turn (and was taken).
    func take(from sender: String, sessionID: String, kind: String, delta: JSONValue?) -> Bool {
        guard let turn = turns.withLock({ $0[sessionID] }), turn.agentClientID == sender else { return false }
        let limit = limits.maxReplyBytes
        let waiter = turn.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.done else { return nil }
            switch kind {
            case "token":
                let piece = Self.text(of: delta)
                // Once a piece is dropped, so is the rest: a reply with holes would read as whole.
                if !state.truncated && state.text.utf8.count + piece.utf8.count <= limit { state.text += piece } else { state.truncated = true }
                return nil
            case "done":
                if state.text.isEmpty {
                    let whole = Self.text(of: delta)
                    state.text = UTF8Cut.prefix(whole, limit: limit)
                    state.truncated = state.text.utf8.count < whole.utf8.count
                }
            case "error":
                state.error = delta?["message"]?.stringValue ?? Self.text(of: delta).nonEmpty ?? "error event"
            default:
                return nil
            }
            state.done = true
            defer { state.ended = nil }
            return state.ended
        }
        waiter?.resume()
        return true
    }

    /// The connection serving a turn went: its turns end with an error.
    func connectionClosed(_ clientID: String) {
        let gone = turns.withLock { $0.values.filter { $0.agentClientID == clientID } }
        for turn in gone {
            let waiter = turn.state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard !state.done else { return nil }
                state.done = true
                state.error = "the serving connection closed"
                defer { state.ended = nil }
                return state.ended
            }
            waiter?.resume()
        }
    }

    private static func waitForEnd(_ turn: Turn) async {
        await withCheckedContinuation { continuation in
            let now = turn.state.withLock { state -> Bool in
                if state.done || Task.isCancelled { return true }
                state.ended = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Releases a waiter left behind by the timer winning the race.
    private static func wake(_ turn: Turn) {
        let waiter = turn.state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.ended = nil }
            return state.ended
        }
        waiter?.resume()
    }

    /// A delta's text: a string, or an object's text / token / content.
    static func text(of delta: JSONValue?) -> String {
        switch delta {
        case .string(let text)?: return text
        case .object(let members)?:
            for key in ["text", "token", "content", "delta"] { if case .string(let text)? = members[key] { return text } }
            return ""
        default: return ""
        }
    }
}

private extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
