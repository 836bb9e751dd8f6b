import CarJSON

/// The bounds CarChat keeps. Strings are capped in UTF-8 bytes; a value over its cap is
/// refused (`ChatError.invalid` naming the field), never cut — except the goal's
/// `last_reason` / `terminal_message`, which are agent-written summaries kept to
/// `goalTextBytes` (cut on a character boundary) rather than failing the event.
public enum ChatLimits {
    /// `agent_id`, `session_id`, `model`, host and agent connection ids.
    public static let idBytes = 256
    /// The prompt of one turn.
    public static let promptBytes = 1 << 20
    /// Attachments per turn.
    public static let maxAttachments = 16
    /// One `image_base64` entry's `data`.
    public static let attachmentDataBytes = 8 << 20
    /// All attachments of one turn together (compact JSON encoding).
    public static let attachmentsTotalBytes = 32 << 20
    /// One `image_url` entry's `url`.
    public static let urlBytes = 8 << 10
    /// The members of an attachment other than `data`/`url` (`detail`, ...), encoded.
    public static let attachmentExtraBytes = 4 << 10
    /// A goal's `check` (a shell command).
    public static let checkBytes = 8 << 10
    /// `max_iterations`: default and clamp range.
    public static let defaultMaxIterations = 8
    public static let maxIterationsRange = 1...50
    /// A goal's kept `last_reason` and `terminal_message`.
    public static let goalTextBytes = 4 << 10
    /// A `goal_evaluated` delta sent as JSON text is read only up to this size.
    public static let verdictTextBytes = 64 << 10

    /// In-flight sessions in all, and per host connection.
    public static let maxSessions = 10_000
    public static let maxSessionsPerHost = 256
    /// How long a session may go without an agent event before the sweeper ends it.
    public static let defaultSilentLimit: Duration = .seconds(600)

    /// Standing goals kept, and the goals file's size limit when read.
    public static let maxGoals = 1_000
    public static let goalsFileBytes = 16 << 20

    static func check(_ value: String, _ field: String, _ limit: Int) throws(ChatError) {
        let size = value.utf8.count
        guard size <= limit else {
            throw ChatError(.invalid, "\(field) is \(size) bytes; the limit is \(limit)")
        }
    }

    /// `value` cut to at most `limit` UTF-8 bytes on a character boundary.
    static func truncated(_ value: String, _ limit: Int) -> String {
        UTF8Cut.prefix(value, limit: limit)
    }

    static func micros(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
