/// Placeholder until the generator's version lands (helper branch mcpgen).
public struct MCPToolDescriptor: Sendable {
    public let name: String
    public let method: String
    public let description: String
    public let inputSchema: JSONValue
    public let outputSchema: JSONValue?
    public let wrapsResult: Bool
    public let readOnly: Bool?

    public init(name: String, method: String, description: String, inputSchema: JSONValue, outputSchema: JSONValue?, wrapsResult: Bool, readOnly: Bool?) {
        self.name = name
        self.method = method
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.wrapsResult = wrapsResult
        self.readOnly = readOnly
    }
}
