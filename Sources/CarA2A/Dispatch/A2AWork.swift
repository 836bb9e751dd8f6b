import CarJSON

/// What a message asks the runtime to do. A data part `{"tool": name, "parameters": …}` runs
/// that tool (the first such part; `parameters` defaults to `{}`); otherwise the text parts,
/// joined by newlines, are a conversational message. A message with neither is refused.
enum A2AWork: Sendable, Equatable {
    case tool(name: String, parameters: JSONValue)
    case converse(String)

    init(_ message: A2AMessage) throws(A2AError) {
        for (index, part) in message.parts.enumerated() {
            guard case .data(.object(let object)) = part.content, let tool = object["tool"] else { continue }
            guard case .string(let name) = tool, !name.isEmpty else {
                throw .invalidParams(field: "message.parts[\(index)].data.tool", "expected the name of a tool (a non-empty string)")
            }
            self = .tool(name: name, parameters: object["parameters"] ?? [:])
            return
        }
        guard let text = message.text else {
            throw .contentTypeNotSupported("this agent reads text parts and data parts {\"tool\", \"parameters\"}; the message has neither")
        }
        self = .converse(text)
    }
}
