import CarJSON

/// Who wrote a message.
public enum A2ARole: String, Sendable, Hashable {
    case user
    case agent

    public func wireName(_ version: A2AProtocolVersion) -> String {
        switch version {
        case .v1_0: self == .user ? "ROLE_USER" : "ROLE_AGENT"
        case .v0_3: rawValue
        }
    }
}

/// One turn of a conversation: a client's request, an agent's reply or status note.
public struct A2AMessage: Sendable, Hashable {
    public var messageID: String
    public var role: A2ARole
    public var parts: [A2APart]
    public var contextID: String?
    public var taskID: String?
    public var metadata: [String: JSONValue]?
    public var extensions: [String]
    public var referenceTaskIDs: [String]

    public init(messageID: String, role: A2ARole, parts: [A2APart], contextID: String? = nil, taskID: String? = nil,
                metadata: [String: JSONValue]? = nil, extensions: [String] = [], referenceTaskIDs: [String] = []) {
        self.messageID = messageID
        self.role = role
        self.parts = parts
        self.contextID = contextID
        self.taskID = taskID
        self.metadata = metadata
        self.extensions = extensions
        self.referenceTaskIDs = referenceTaskIDs
    }

    /// An agent's message of one text part, with a fresh id.
    public static func agentText(_ text: String, taskID: String?, contextID: String?) -> A2AMessage {
        A2AMessage(messageID: A2AIdentifier.make(), role: .agent, parts: [.text(text)], contextID: contextID, taskID: taskID)
    }

    /// The text parts, joined by newlines; nil when there is none.
    public var text: String? {
        let texts = parts.compactMap(\.text)
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }

    /// Bytes the message carries: its parts (`A2APart.contentBytes`), metadata, extensions and
    /// references.
    public var contentBytes: Int {
        parts.reduce(0) { $0 &+ $1.contentBytes } &+ Self.bytes(of: metadata)
            &+ (extensions + referenceTaskIDs).reduce(0) { $0 &+ $1.utf8.count }
    }

    static func bytes(of metadata: [String: JSONValue]?) -> Int {
        metadata.map { JSONWriter.encodedCount(.object($0)) } ?? 0
    }
}
