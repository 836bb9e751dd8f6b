import CarJSON
import Foundation

/// A turn's deterministic completion contract: `check` trimmed and non-empty (at most
/// `ChatLimits.checkBytes`), `max_iterations` clamped to 1–50 (default 8).
public struct ChatGoal: Sendable, Hashable {
    public var check: String
    public var maxIterations: Int

    /// Validates and normalizes: trims `check`, clamps `maxIterations` (nil → 8).
    public init(check: String, maxIterations: Int? = nil) throws(ChatError) {
        let trimmed = check.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ChatError(.invalid, "goal.check must be non-empty") }
        try ChatLimits.check(trimmed, "goal.check", ChatLimits.checkBytes)
        self.check = trimmed
        let range = ChatLimits.maxIterationsRange
        self.maxIterations = min(max(maxIterations ?? ChatLimits.defaultMaxIterations, range.lowerBound), range.upperBound)
    }

    /// From `{check, max_iterations?}`. `max_iterations` must be a number (an integral value,
    /// or a non-integral one rounded down) when present; null counts as absent.
    public init(json: JSONValue, field: String = "goal") throws(ChatError) {
        guard case .object(let members) = json else { throw ChatError(.invalid, "\(field) must be an object") }
        try self.init(checkValue: members["check"], maxIterationsValue: members["max_iterations"], field: field)
    }

    init(checkValue: JSONValue?, maxIterationsValue: JSONValue?, field: String) throws(ChatError) {
        guard case .string(let check)? = checkValue else { throw ChatError(.invalid, "\(field).check must be a string") }
        var iterations: Int?
        switch maxIterationsValue {
        case nil, .null?: iterations = nil
        case .int(let n)?: iterations = Int(clamping: n)
        case .double(let d)? where d.isFinite: iterations = d >= Double(Int.max) ? Int.max : (d <= Double(Int.min) ? Int.min : Int(d.rounded(.down)))
        default: throw ChatError(.invalid, "\(field).max_iterations must be a number")
        }
        do {
            try self.init(check: check, maxIterations: iterations)
        } catch {
            throw ChatError(error.kind, error.message.replacingOccurrences(of: "goal.", with: "\(field)."))
        }
    }

    public var json: JSONValue {
        .object(["check": .string(check), "max_iterations": .int(Int64(maxIterations))])
    }
}

/// One image attachment, validated; `json` is the entry exactly as the host sent it (forwarded
/// verbatim to the agent).
public struct ChatAttachment: Sendable, Hashable {
    public static let mediaTypes: Set<String> = ["image/png", "image/jpeg", "image/gif", "image/webp"]
    public let json: JSONValue

    /// Rules: an object; `type` is `image_base64` (with a string `data` of at most
    /// `attachmentDataBytes` and `media_type` among `mediaTypes`) or `image_url` (with a string
    /// `url` starting `http://` or `https://`, case-insensitive, with something after the scheme,
    /// no whitespace or control characters, at most `urlBytes`). Other members together at most
    /// `attachmentExtraBytes`. The message names `attachments[index]` and the rule broken.
    /// `data` is not decoded: a bad base64 payload surfaces at the provider.
    public init(json: JSONValue, index: Int) throws(ChatError) {
        let name = "attachments[\(index)]"
        guard case .object(let members) = json else {
            throw ChatError(.invalid, "\(name) must be an object, not \(json.typeName)")
        }
        guard case .string(let type)? = members["type"] else {
            throw ChatError(.invalid, "\(name).type must be \"image_base64\" or \"image_url\"")
        }
        var extra = members
        switch type {
        case "image_base64":
            guard case .string(let data)? = members["data"] else {
                throw ChatError(.invalid, "\(name): image_base64 needs a string data")
            }
            try ChatLimits.check(data, "\(name).data", ChatLimits.attachmentDataBytes)
            guard case .string(let media)? = members["media_type"], Self.mediaTypes.contains(media) else {
                throw ChatError(.invalid, "\(name): image_base64 needs media_type among image/png, image/jpeg, image/gif, image/webp")
            }
            extra["data"] = nil
        case "image_url":
            guard case .string(let url)? = members["url"] else {
                throw ChatError(.invalid, "\(name): image_url needs a string url")
            }
            try ChatLimits.check(url, "\(name).url", ChatLimits.urlBytes)
            guard Self.isHTTPURL(url) else {
                throw ChatError(.invalid, "\(name): image_url url must be an http(s) URL")
            }
            extra["url"] = nil
        default:
            throw ChatError(.invalid, "\(name).type must be \"image_base64\" or \"image_url\", not \"\(ChatLimits.truncated(type, 64))\"")
        }
        let extraSize = JSONWriter.encodedCount(.object(extra))
        guard extraSize <= ChatLimits.attachmentExtraBytes else {
            throw ChatError(.invalid, "\(name): members other than data/url are \(extraSize) bytes; the limit is \(ChatLimits.attachmentExtraBytes)")
        }
        self.json = json
    }

    static func isHTTPURL(_ url: String) -> Bool {
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") { rest = lower.dropFirst(8) }
        else if lower.hasPrefix("http://") { rest = lower.dropFirst(7) }
        else { return false }
        guard let first = rest.first, first != "/", first != "?", first != "#" else { return false }
        return !url.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
    }
}

/// The validated params of `agents.chat`.
public struct ChatRequest: Sendable, Hashable {
    public var agentID: String
    public var prompt: String
    public var sessionID: String
    /// True when the host gave no `session_id` (or an empty one) and one was minted.
    public var sessionIDMinted: Bool
    public var stream: Bool
    /// nil when absent or blank (blank preserves the agent's configured model).
    public var model: String?
    /// nil when absent, null or empty (so the agent sees the legacy request shape).
    public var attachments: [ChatAttachment]?
    public var goal: ChatGoal?

    /// A fresh session id (a lowercase UUID).
    public static func mintSessionID() -> String { UUID().uuidString.lowercased() }

    /// From plain values. `attachments` entries and `goal` are JSON as the host sent them.
    /// Rules: `agent_id` non-empty, at most `idBytes`; `prompt` at most `promptBytes`; `session_id`
    /// at most `idBytes`, no control characters (minted when nil or empty); `model` at most
    /// `idBytes`; attachments per `ChatAttachment`, at most `maxAttachments` and
    /// `attachmentsTotalBytes` in all; `goal` per `ChatGoal`. `goal` with attachments is
    /// refused (the reference keeps them mutually exclusive).
    public init(agentID: String, prompt: String, sessionID: String? = nil, stream: Bool = true,
                model: String? = nil, attachments: [JSONValue]? = nil, goal: JSONValue? = nil) throws(ChatError) {
        guard !agentID.isEmpty else { throw ChatError(.invalid, "agent_id must be non-empty") }
        try ChatLimits.check(agentID, "agent_id", ChatLimits.idBytes)
        try ChatLimits.check(prompt, "prompt", ChatLimits.promptBytes)
        if let sessionID, !sessionID.isEmpty {
            try ChatLimits.check(sessionID, "session_id", ChatLimits.idBytes)
            guard !sessionID.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw ChatError(.invalid, "session_id must not contain control characters")
            }
            self.sessionID = sessionID
            self.sessionIDMinted = false
        } else {
            self.sessionID = Self.mintSessionID()
            self.sessionIDMinted = true
        }
        if let model { try ChatLimits.check(model, "model", ChatLimits.idBytes) }
        let trimmedModel = model?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.model = (trimmedModel?.isEmpty ?? true) ? nil : model
        if let attachments, !attachments.isEmpty {
            guard attachments.count <= ChatLimits.maxAttachments else {
                throw ChatError(.invalid, "attachments has \(attachments.count) entries; the limit is \(ChatLimits.maxAttachments)")
            }
            var validated: [ChatAttachment] = []
            var total = 0
            for (index, entry) in attachments.enumerated() {
                validated.append(try ChatAttachment(json: entry, index: index))
                total += JSONWriter.encodedCount(entry)
            }
            guard total <= ChatLimits.attachmentsTotalBytes else {
                throw ChatError(.invalid, "attachments are \(total) bytes in all; the limit is \(ChatLimits.attachmentsTotalBytes)")
            }
            self.attachments = validated
        } else {
            self.attachments = nil
        }
        if let goal, goal != .null {
            self.goal = try ChatGoal(json: goal)
        } else {
            self.goal = nil
        }
        if self.goal != nil && self.attachments != nil {
            throw ChatError(.invalid, "goal and attachments cannot be combined in one turn")
        }
        self.agentID = agentID
        self.prompt = prompt
        self.stream = stream
    }

    /// From the `agents.chat` params object. Unknown members (`voice_input`, ...) are ignored.
    public init(params: JSONValue) throws(ChatError) {
        guard case .object(let p) = params else { throw ChatError(.invalid, "params must be an object") }
        guard case .string(let agentID)? = p["agent_id"] else { throw ChatError(.invalid, "agent_id must be a string") }
        guard case .string(let prompt)? = p["prompt"] else { throw ChatError(.invalid, "prompt must be a string") }
        var sessionID: String?
        switch p["session_id"] {
        case nil, .null?: break
        case .string(let s)?: sessionID = s
        default: throw ChatError(.invalid, "session_id must be a string")
        }
        var stream = true
        switch p["stream"] {
        case nil, .null?: break
        case .bool(let b)?: stream = b
        default: throw ChatError(.invalid, "stream must be a boolean")
        }
        var model: String?
        switch p["model"] {
        case nil, .null?: break
        case .string(let s)?: model = s
        default: throw ChatError(.invalid, "model must be a string")
        }
        var attachments: [JSONValue]?
        switch p["attachments"] {
        case nil, .null?: break
        case .array(let a)?: attachments = a
        default: throw ChatError(.invalid, "attachments must be an array")
        }
        try self.init(agentID: agentID, prompt: prompt, sessionID: sessionID, stream: stream,
                      model: model, attachments: attachments, goal: p["goal"])
    }

    /// The params of the reverse call `agent.chat {session_id, prompt, model?, attachments?, goal?, context?}`.
    /// `standingGoal` is used when the turn carries no inline goal.
    public func agentChatParams(standingGoal: ChatGoal? = nil, context: JSONValue? = nil) -> JSONValue {
        var out: [String: JSONValue] = ["session_id": .string(sessionID), "prompt": .string(prompt)]
        if let model { out["model"] = .string(model) }
        if let attachments { out["attachments"] = .array(attachments.map(\.json)) }
        if let goal = goal ?? standingGoal { out["goal"] = goal.json }
        if let context { out["context"] = context }
        return .object(out)
    }
}
