import CarFiles
import Foundation
import CarIO
import CarJSON
import Glibc
import Synchronization

/// The bearer tokens issued for A2A peers (`a2a.tokens.issue/list/revoke`), kept in
/// `$CAR_HOME/a2a-tokens.json`. The daemon's listeners take these besides the daemon's own
/// token, so each peer gets a credential of its own that can be revoked alone and that opens
/// nothing but A2A (not the WebSocket, not MCP).
///
/// Checks read memory only (they run per request, on the event loop); changes write the
/// file atomically on the blocking pool first and then take effect, one change at a time. A
/// file that cannot be read cleanly is never overwritten: the tokens that could be read are
/// honoured and every change fails naming the file.
public final class A2AAccessTokens: Sendable {
    public let path: String?
    public let limits: A2AAccessTokenLimits
    private let pool: BlockingPool
    private let gate: A2ASerialGate
    private let state: Mutex<(tokens: [A2AAccessToken], problem: String?)>

    /// Reads `path` (blocking: call it where blocking is fine, at start-up); nil keeps the
    /// tokens in memory only.
    public init(path: String?, limits: A2AAccessTokenLimits = A2AAccessTokenLimits(), pool: BlockingPool = .shared) {
        self.path = path
        self.limits = limits
        self.pool = pool
        gate = A2ASerialGate(maxWaiting: limits.maxWaitingMutations, guarding: "the A2A token list")
        state = Mutex(path.map { A2AAccessTokenFile.load($0, limits: limits) } ?? ([], nil))
    }

    /// The id of the issued token `presented` is, if any; `equals` must compare in constant
    /// time. Every token is compared, so the time does not say which one matched.
    public func holder(of presented: String, equals: (String, String) -> Bool) -> String? {
        state.withLock { current in
            current.tokens.reduce(nil as String?) { matched, token in equals(presented, token.secret) ? token.id : matched }
        }
    }

    public var tokens: [A2AAccessToken] { state.withLock { $0.tokens } }

    /// Why the file is not being changed, when it could not be read cleanly.
    public var problem: String? { state.withLock { $0.problem } }

    /// A new token for `label`; its secret is in the answer and nowhere else but the file.
    public func issue(label: String) async throws(A2AError) -> A2AAccessToken {
        let label = label.trimmingCharacters(in: .whitespaces)
        guard !label.isEmpty, label.count <= limits.maxLabelLength else {
            throw A2AError(code: A2AError.invalidParamsCode, message: "label must be 1 to \(limits.maxLabelLength) characters, naming the peer the token is for")
        }
        return try await change { tokens throws(A2AError) in
            guard tokens.count < self.limits.maxTokens else {
                throw A2AError(code: A2AError.invalidParamsCode, message: "\(self.limits.maxTokens) A2A tokens are issued already; revoke one first")
            }
            let token = A2AAccessToken(id: "a2at-" + Self.randomHex(bytes: 6), label: label,
                                       createdAt: RFC3339.format(micros: Int64(Date().timeIntervalSince1970 * 1_000_000)),
                                       secret: "car_a2a_" + Self.randomHex(bytes: 32))
            tokens.append(token)
            return token
        }
    }

    /// False when no token has that id (nothing is written then).
    public func revoke(id: String) async throws(A2AError) -> Bool {
        try await change { tokens throws(A2AError) in
            guard let index = tokens.firstIndex(where: { $0.id == id }) else { return false }
            tokens.remove(at: index)
            return true
        }
    }

    /// Runs `body` on a copy of the tokens; when it returns, the copy is written (when there
    /// is a file) and then becomes the tokens in force.
    private func change<T: Sendable>(_ body: @escaping @Sendable (inout [A2AAccessToken]) throws(A2AError) -> T) async throws(A2AError) -> T {
        try await gate.run { () async throws(A2AError) -> T in
            let (current, problem) = self.state.withLock { ($0.tokens, $0.problem) }
            if let problem {
                throw A2AError(code: A2AError.internalErrorCode, message: "the A2A token list is not changed because \(problem); repair or remove the file")
            }
            var next = current
            let result = try body(&next)
            if next != current, let path = self.path {
                let written = next
                do {
                    try await self.pool.run { try A2AAccessTokenFile.save(written, to: path) }
                } catch {
                    throw A2AError(code: A2AError.internalErrorCode, message: "could not write the A2A token list: \(error)")
                }
            }
            self.state.withLock { $0.tokens = next }
            return result
        }
    }

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
        }.joined()
    }
}
