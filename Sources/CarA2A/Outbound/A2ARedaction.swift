import CarA2UI
import CarJSON

/// Keeping a route credential out of what a peer sends back. A peer may echo what it was sent
/// (a debugging agent, a proxy that reflects request headers into a task), and its replies go
/// into action replies, host events and the journal, where others read them.
///
/// The redaction walks the JSON, so it sees a secret as the peer's strings hold it, whatever
/// the writer would escape (`"`, `\`, control characters) on the way out.
public enum A2ARedaction {
    /// What stands where the secret was.
    public static let placeholder = "<redacted>"

    /// The most of a peer's result, serialized, that goes into an action's route as it is.
    public static let maxRouteResultBytes = 64 << 10

    /// `text` with every occurrence of `secret` replaced by the placeholder. Matching is on the
    /// UTF-8 bytes (a secret followed by a combining mark is still found), and occurrences that
    /// overlap go as one. When replacing forms a new occurrence (across a placeholder), the
    /// whole text is replaced.
    public static func redacting(_ secret: String, in text: String) -> String {
        guard !secret.isEmpty else { return text }
        return Matcher(secret).redacting(text) ?? text
    }

    /// `value` with the secret replaced in every string and object key, however deep. A number
    /// whose JSON text holds the secret (a numeric token echoed as a number) becomes the
    /// placeholder string. A key that becomes one already there keeps the member that was
    /// there; renamed keys that meet keep the member of the smallest original key.
    public static func redacting(_ secret: String, in value: JSONValue) -> JSONValue {
        guard !secret.isEmpty else { return value }
        return redacted(value, Matcher(secret)) ?? value
    }

    /// With the credential's secret: the bearer token, or the header's value.
    public static func redacting(_ credential: A2UIRouteAuth?, in value: JSONValue) -> JSONValue {
        guard let credential else { return value }
        return redacting(credential.secret, in: value)
    }

    public static func redacting(_ credential: A2UIRouteAuth?, in text: String) -> String {
        guard let credential else { return text }
        return redacting(credential.secret, in: text)
    }

    /// A peer's result as an action's route holds it: redacted of the credential and, past
    /// `maxBytes` serialized, cut to what names it (`{"task": {"id", "contextId", "status":
    /// {"state"}}}` or `{"message": {"messageId"}}`) with `"truncated": true`.
    public static func routeResult(_ result: JSONValue, credential: A2UIRouteAuth?, maxBytes: Int = maxRouteResultBytes) -> JSONValue {
        let redacted = redacting(credential, in: result)
        guard JSONWriter.encodedCount(redacted) > maxBytes else { return redacted }
        return summary(of: redacted)
    }

    /// What names a result too large to keep: 1.0 `{"task"}` / `{"message"}`, or a 0.3 bare
    /// object told by its `kind` (a reply that did not convert is kept in its own shape).
    static func summary(of result: JSONValue) -> JSONValue {
        var summary: [String: JSONValue] = ["truncated": true]
        if let task = result["task"], case .object = task {
            summary["task"] = taskSummary(task)
        } else if let message = result["message"], case .object = message {
            summary["message"] = messageSummary(message)
        } else if result["kind"]?.stringValue == "task" {
            summary["task"] = taskSummary(result)
        } else if result["kind"]?.stringValue == "message" {
            summary["message"] = messageSummary(result)
        }
        return .object(summary)
    }

    private static func taskSummary(_ task: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = [:]
        if let id = task["id"]?.stringValue { object["id"] = .string(clip(id)) }
        if let context = task["contextId"]?.stringValue { object["contextId"] = .string(clip(context)) }
        if let state = task["status"]?["state"]?.stringValue { object["status"] = ["state": .string(clip(state))] }
        return .object(object)
    }

    private static func messageSummary(_ message: JSONValue) -> JSONValue {
        guard let id = message["messageId"]?.stringValue else { return [:] }
        return ["messageId": .string(clip(id))]
    }

    /// Ids are the peer's: a huge one is cut (on a scalar boundary) so the summary stays small.
    static func clip(_ text: String, to limit: Int = 256) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            guard bytes <= limit else { break }
            kept.append(scalar)
        }
        return String(kept) + "…"
    }

    /// nil when nothing changed, so an untouched subtree is not rebuilt.
    private static func redacted(_ value: JSONValue, _ matcher: Matcher) -> JSONValue? {
        switch value {
        case .string(let text):
            return matcher.redacting(text).map(JSONValue.string)
        case .int, .double:
            guard matcher.numeric, matcher.redacting(JSONWriter.string(value)) != nil else { return nil }
            return .string(placeholder)
        case .null, .bool:
            return nil
        case .array(let elements):
            var copy: [JSONValue]?
            for (index, element) in elements.enumerated() {
                guard let changed = redacted(element, matcher) else { continue }
                if copy == nil { copy = elements }
                copy![index] = changed
            }
            return copy.map(JSONValue.array)
        case .object(let members):
            var renamed: [(old: String, new: String)] = []
            var changed: [String: JSONValue] = [:]
            for (key, member) in members {
                if let newKey = matcher.redacting(key) { renamed.append((key, newKey)) }
                if let member = redacted(member, matcher) { changed[key] = member }
            }
            guard !renamed.isEmpty || !changed.isEmpty else { return nil }
            var copy = members
            for (key, member) in changed { copy[key] = member }
            guard !renamed.isEmpty else { return .object(copy) }
            // Renamed members go in by their original keys' order, so when one lands on a key
            // that is taken (by a member or an earlier rename) the outcome is the same every time.
            for rename in renamed { copy[rename.old] = nil }
            for rename in renamed.sorted(by: { $0.old < $1.old }) where copy[rename.new] == nil {
                copy[rename.new] = changed[rename.old] ?? members[rename.old]!
            }
            return .object(copy)
        }
    }

    /// Finds a secret's UTF-8 bytes (Knuth-Morris-Pratt: linear in the text whatever the secret
    /// and the text repeat).
    struct Matcher {
        let needle: [UInt8]
        /// failure[i]: the length of the longest proper prefix of needle[0...i] that is also its suffix.
        let failure: [Int]
        /// The secret could be (part of) a number's JSON text.
        let numeric: Bool

        init(_ secret: String) {
            needle = Array(secret.utf8)
            var failure = [Int](repeating: 0, count: needle.count)
            var length = 0
            for index in needle.indices.dropFirst() {
                while length > 0 && needle[index] != needle[length] { length = failure[length - 1] }
                if needle[index] == needle[length] { length += 1 }
                failure[index] = length
            }
            self.failure = failure
            numeric = needle.allSatisfy(Self.numberBytes.contains)
        }

        /// The bytes a JSON number's text may hold.
        private static let numberBytes = Set("0123456789+-.eE".utf8)

        /// Spans of the text the secret covers, overlapping occurrences merged (adjacent ones are
        /// not), in order.
        func spans(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
            guard !needle.isEmpty, bytes.count >= needle.count else { return [] }
            var spans: [Range<Int>] = []
            var matched = 0
            for (index, byte) in bytes.enumerated() {
                while matched > 0 && byte != needle[matched] { matched = failure[matched - 1] }
                if byte == needle[matched] { matched += 1 }
                if matched == needle.count {
                    let span = (index + 1 - needle.count)..<(index + 1)
                    if let last = spans.last, last.upperBound > span.lowerBound {
                        spans[spans.count - 1] = last.lowerBound..<span.upperBound
                    } else {
                        spans.append(span)
                    }
                    matched = failure[matched - 1]
                }
            }
            return spans
        }

        /// The text redacted, or nil when it holds no occurrence.
        func redacting(_ text: String) -> String? {
            var text = text
            let replaced: [UInt8]? = text.withUTF8 { bytes in
                let spans = spans(bytes)
                guard !spans.isEmpty else { return nil }
                var out: [UInt8] = []
                out.reserveCapacity(bytes.count)
                var start = 0
                for span in spans {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<span.lowerBound]))
                    out.append(contentsOf: A2ARedaction.placeholder.utf8)
                    start = span.upperBound
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                return out
            }
            guard let replaced else { return nil }
            // A placeholder and its neighbours may spell the secret anew: then nothing is kept.
            guard replaced.withUnsafeBufferPointer({ spans($0).isEmpty }) else { return A2ARedaction.placeholder }
            // A match of valid UTF-8 in valid UTF-8 starts and ends on scalar boundaries, so the
            // cut leaves valid UTF-8.
            return String(decoding: replaced, as: UTF8.self)
        }
    }
}
