/// A spec method offered as an MCP tool (`"mcpTool"` in spec/methods.json). Generated into
/// `MCPTools.all`, so an MCP endpoint lists and calls tools without naming any of them: a
/// call is the method with the tool's arguments as params.
public struct MCPToolDescriptor: Sendable, Hashable {
    /// The MCP tool name (`^[A-Za-z0-9_-]{1,64}$`, unique across the spec).
    public let name: String
    /// The spec method a call runs, with the tool's arguments as its params.
    public let method: String
    /// The method's summary, then its description when it has one.
    public let description: String
    /// Always `{"type": "object", ...}`, self-contained: every `$ref` points into its own `$defs`.
    public let inputSchema: JSONValue
    /// Always `{"type": "object", ...}` when present, self-contained like `inputSchema`; nil
    /// when the spec's result schema says nothing a client could check (`{}`).
    public let outputSchema: JSONValue?
    /// True when the method's result is not a JSON object: MCP's structuredContent must be an
    /// object, so the result travels as {"result": <value>} and outputSchema describes that wrapper.
    public let wrapsResult: Bool
    /// MCP's `readOnlyHint`, from the method's `"readOnly"`; nil when the spec does not say.
    public let readOnly: Bool?

    public init(name: String, method: String, description: String, inputSchema: JSONValue, outputSchema: JSONValue?,
                wrapsResult: Bool, readOnly: Bool?) {
        self.name = name
        self.method = method
        self.description = description
        self.inputSchema = inputSchema
        self.outputSchema = outputSchema
        self.wrapsResult = wrapsResult
        self.readOnly = readOnly
    }

    /// The structured content for a method's result: the result itself, or `{"result": ...}`
    /// when `wrapsResult`.
    public func structuredContent(for result: JSONValue) -> JSONValue {
        wrapsResult ? .object(["result": result]) : result
    }

    /// A schema the generator embeds as JSON text. Parsed once, when `MCPTools.all` is first
    /// read: nested `JSONValue` literals of the same schemas would read worse and take the
    /// type checker far longer.
    public static func schema(_ text: String) -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            preconditionFailure("rpcgen embedded an MCP tool schema that is not JSON: \(error)")
        }
    }
}
