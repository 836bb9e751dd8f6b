import CarJSON

/// What builds the agent card (`/.well-known/agent-card.json`); an embedder may supply its own.
public protocol A2ACardSource: Sendable {
    func card(info: A2ACardInfo, tools: [A2ATool]) async -> JSONValue
}

/// The card the SDK's own server would serve for this agent with both versions enabled: the
/// 1.0 card in proto JSON (`supportedInterfaces` [1.0 JSONRPC, 0.3 JSONRPC] at `publicURL`),
/// with the 0.3 members merged in as `agent_card_to_dict` merges them (`url`,
/// `protocolVersion`, `preferredTransport`, `security`, and a bearer scheme's flat
/// `type`/`scheme` beside its `httpAuthSecurityScheme`). The 1.3.0 client reads the interfaces
/// and picks 1.0; a 0.3 client reads the legacy members. Skills are the runtime's tools, plus
/// one for plain conversation, so the list is never empty (the proto requires a skill).
public struct A2ADefaultCardSource: A2ACardSource {
    /// The 0.3 interface's version, copied to the legacy `protocolVersion` (the 0.3 spec's form).
    public static let legacyProtocolVersion = "0.3.0"
    public static let defaultInputModes = ["text/plain", "application/json"]
    public static let defaultOutputModes = ["text/plain", "application/json"]
    /// Cards are fetched by anyone who can reach the port: the tool list shown is bounded.
    public static let maxSkills = 1_000

    public init() {}

    public func card(info: A2ACardInfo, tools: [A2ATool]) async -> JSONValue {
        var card: [String: JSONValue] = [
            "name": .string(info.name),
            "description": .string(info.description),
            "version": .string(info.version),
            "supportedInterfaces": [
                ["url": .string(info.publicURL), "protocolBinding": "JSONRPC", "protocolVersion": "1.0"],
                ["url": .string(info.publicURL), "protocolBinding": "JSONRPC", "protocolVersion": .string(Self.legacyProtocolVersion)],
            ],
            "provider": ["organization": .string(info.organization), "url": .string(info.organizationURL)],
            "capabilities": ["streaming": true, "pushNotifications": false],
            "defaultInputModes": .array(Self.defaultInputModes.map(JSONValue.string)),
            "defaultOutputModes": .array(Self.defaultOutputModes.map(JSONValue.string)),
            "skills": .array(skills(tools)),
            // 0.3 legacy members, from the 0.3 interface.
            "url": .string(info.publicURL),
            "protocolVersion": .string(Self.legacyProtocolVersion),
            "preferredTransport": "JSONRPC",
        ]
        if info.requiresBearer {
            card["securitySchemes"] = ["bearer": ["httpAuthSecurityScheme": ["scheme": "Bearer"], "scheme": "Bearer", "type": "http"]]
            card["securityRequirements"] = [["schemes": ["bearer": [:]]]]
            card["security"] = [["bearer": []]]
        }
        return .object(card)
    }

    /// The skill id of plain conversation; a tool of that name takes the id and the
    /// conversation skill is listed as `chat.conversation` instead.
    static let conversationSkillID = "chat"

    private func skills(_ tools: [A2ATool]) -> [JSONValue] {
        var skills: [JSONValue] = []
        var ids = Set<String>()
        for tool in tools.prefix(Self.maxSkills) where !tool.name.isEmpty && ids.insert(tool.name).inserted {
            let description = tool.description.isEmpty ? "Runs the tool \(tool.name)." : tool.description
            let example: JSONValue = ["tool": .string(tool.name), "parameters": [:]]
            skills.append([
                "id": .string(tool.name),
                "name": .string(tool.name),
                "description": .string(description),
                "tags": ["tool"],
                "examples": [.string("A data part \(JSONWriter.string(example))")],
                "inputModes": ["application/json"],
                "outputModes": ["application/json"],
            ])
        }
        let chatID = ids.contains(Self.conversationSkillID) ? "chat.conversation" : Self.conversationSkillID
        skills.append([
            "id": .string(chatID),
            "name": "Conversation",
            "description": "A message of text parts (no tool data part) gets the agent's reply as the completed task's status message.",
            "tags": ["chat"],
            "inputModes": ["text/plain"],
            "outputModes": ["text/plain"],
        ])
        return skills
    }
}
