/// One Server-Sent Event (WHATWG HTML §9.2): comment lines, then `event:`, `id:`, `retry:`
/// and one `data:` line per line of the data, then the empty line that dispatches it.
///
/// Data is split on CRLF, CR and LF alike, as the client's parser splits it, so no line
/// break inside the data can end a field early. `event` and `id` are single-line fields:
/// CR and LF in them (and NUL in `id`, which would make a client ignore the id) are removed.
/// Comments with line breaks become several comment lines.
public struct SSEEvent: Sendable, Equatable {
    public var event: String?
    public var id: String?
    /// Reconnection time the client should use, in milliseconds.
    public var retry: Int?
    /// nil sends no data field; "" sends one empty `data:` line (MCP's priming event: an
    /// id with empty data).
    public var data: String?
    public var comments: [String]

    public init(data: String? = nil, event: String? = nil, id: String? = nil, retry: Int? = nil, comments: [String] = []) {
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comments = comments
    }

    /// A comment-only event: clients ignore it, and it keeps idle connections (and the
    /// proxies between) from timing out.
    public static func heartbeat(_ text: String = "") -> SSEEvent { SSEEvent(comments: [text]) }

    /// The event's bytes, unframed (a chunked stream wraps them with `SSEStream.event`).
    public func encoded() -> [UInt8] {
        var text = ""
        for comment in comments {
            for line in Self.lines(comment) { text += line.isEmpty ? ":\n" : ": " + line + "\n" }
        }
        if let event { text += "event: " + Self.singleLine(event, dropNUL: false) + "\n" }
        if let id { text += "id: " + Self.singleLine(id, dropNUL: true) + "\n" }
        if let retry { text += "retry: \(max(retry, 0))\n" }
        if let data {
            for line in Self.lines(data) { text += line.isEmpty ? "data:\n" : "data: " + line + "\n" }
        }
        text += "\n"
        return Array(text.utf8)
    }

    /// Splits on CRLF, CR and LF. Swift treats "\r\n" as one Character, so splitting on
    /// characters that are line breaks handles all three.
    static func lines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }

    private static func singleLine(_ text: String, dropNUL: Bool) -> String {
        String(text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && !(dropNUL && $0 == "\0") }.map(Character.init))
    }
}
