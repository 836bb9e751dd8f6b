/// Why a chat operation was refused. The adapter maps `kind` to a JSON-RPC code
/// (`.invalid` → -32602; the others as it sees fit); `message` is meant for the caller.
public struct ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// Malformed or over-cap input (-32602).
        case invalid
        /// A table is full (sessions in all, per host, or goals).
        case capacity
        /// The session id is in flight for another host.
        case conflict
        /// No in-flight session (or goal) has that id.
        case notFound
        /// The caller may not act on that session.
        case forbidden
        /// The goals file could not be read or written.
        case storage
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}
