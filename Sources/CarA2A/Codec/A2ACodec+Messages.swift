import CarJSON

extension A2ACodec {
    func message(_ value: JSONValue, path: String) throws(A2AError) -> A2AMessage {
        let fields = try fields(value, path)
        try expectKind(fields, "message")
        return A2AMessage(
            messageID: try fields.requiredString("messageId"),
            role: try role(fields),
            parts: try parts(fields),
            contextID: try fields.optionalString("contextId"),
            taskID: try fields.optionalString("taskId"),
            metadata: try fields.metadata("metadata"),
            extensions: try fields.strings("extensions"),
            referenceTaskIDs: try fields.strings("referenceTaskIds"))
    }

    private func role(_ fields: A2AFields) throws(A2AError) -> A2ARole {
        let path = fields.path("role")
        guard let value = fields.value("role") else { throw .invalidParams(field: path, "Field is required.") }
        switch (version, value) {
        case (.v1_0, .string("ROLE_USER")), (.v1_0, .int(1)), (.v0_3, .string("user")): return .user
        case (.v1_0, .string("ROLE_AGENT")), (.v1_0, .int(2)), (.v0_3, .string("agent")): return .agent
        default:
            let expected = version == .v1_0 ? "ROLE_USER or ROLE_AGENT" : "\"user\" or \"agent\""
            let got = value.stringValue.map { "\"\(A2AError.clip($0))\"" } ?? value.typeName
            throw .invalidParams(field: path, "expected \(expected), got \(got)")
        }
    }

    public func encode(_ message: A2AMessage) -> JSONValue {
        var object: [String: JSONValue] = [
            "messageId": .string(message.messageID),
            "role": .string(message.role.wireName(version)),
            "parts": .array(message.parts.map(encode)),
        ]
        if version == .v0_3 { object["kind"] = "message" }
        if let contextID = message.contextID, !contextID.isEmpty { object["contextId"] = .string(contextID) }
        if let taskID = message.taskID, !taskID.isEmpty { object["taskId"] = .string(taskID) }
        if let metadata = message.metadata { object["metadata"] = .object(metadata) }
        if !message.extensions.isEmpty { object["extensions"] = .array(message.extensions.map(JSONValue.string)) }
        if !message.referenceTaskIDs.isEmpty { object["referenceTaskIds"] = .array(message.referenceTaskIDs.map(JSONValue.string)) }
        return .object(object)
    }

    func artifact(_ value: JSONValue, path: String) throws(A2AError) -> A2AArtifact {
        let fields = try fields(value, path)
        return A2AArtifact(
            artifactID: try fields.requiredString("artifactId"),
            name: try fields.optionalString("name"),
            description: try fields.optionalString("description"),
            parts: try parts(fields),
            metadata: try fields.metadata("metadata"),
            extensions: try fields.strings("extensions"))
    }

    public func encode(_ artifact: A2AArtifact) -> JSONValue {
        var object: [String: JSONValue] = [
            "artifactId": .string(artifact.artifactID),
            "parts": .array(artifact.parts.map(encode)),
        ]
        if let name = artifact.name, !name.isEmpty { object["name"] = .string(name) }
        if let description = artifact.description, !description.isEmpty { object["description"] = .string(description) }
        if let metadata = artifact.metadata { object["metadata"] = .object(metadata) }
        if !artifact.extensions.isEmpty { object["extensions"] = .array(artifact.extensions.map(JSONValue.string)) }
        return .object(object)
    }
}
