import CarJSON
import CarRPC

/// The tools an endpoint offers, from the spec's descriptors: the `tools/list` answer, built
/// once, and the mapping of a method's outcome to a `tools/call` result.
struct MCPToolCatalog: Sendable {
    private let byName: [String: MCPToolDescriptor]
    let listResult: JSONValue

    init(_ tools: [MCPToolDescriptor]) {
        var byName: [String: MCPToolDescriptor] = [:]
        for tool in tools { byName[tool.name] = tool }
        self.byName = byName
        let listed = tools.sorted { $0.name < $1.name }.map(Self.listing)
        self.listResult = .object(["tools": .array(listed)])
    }

    func tool(_ name: String) -> MCPToolDescriptor? { byName[name] }

    private static func listing(_ tool: MCPToolDescriptor) -> JSONValue {
        var entry: [String: JSONValue] = [
            "name": .string(tool.name),
            "description": .string(tool.description),
            "inputSchema": tool.inputSchema,
        ]
        if let output = tool.outputSchema { entry["outputSchema"] = output }
        if let readOnly = tool.readOnly { entry["annotations"] = .object(["readOnlyHint": .bool(readOnly)]) }
        return .object(entry)
    }

    /// A method's answer as a tool result. Failures of the method are the tool's failures
    /// (`isError`, with the error's text for the model to read), not protocol errors.
    static func callResult(_ outcome: Result<JSONValue, RPCError>, of tool: MCPToolDescriptor) -> JSONValue {
        switch outcome {
        case .success(let value):
            var result: [String: JSONValue] = [
                "content": .array([.object(["type": "text", "text": .string(JSONWriter.string(value))])]),
                "isError": false,
            ]
            if tool.outputSchema != nil {
                result["structuredContent"] = tool.structuredContent(for: value)
            }
            return .object(result)
        case .failure(let error):
            return .object([
                "content": .array([.object(["type": "text", "text": .string("error \(error.code): \(error.message)")])]),
                "isError": true,
            ])
        }
    }
}
