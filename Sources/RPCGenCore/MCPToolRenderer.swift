/// One method the spec offers as an MCP tool, with the schemas its descriptor embeds.
struct MCPTool {
    var name: String
    var method: SpecMethod
    var description: String
    var inputSchema: SpecJSON
    var outputSchema: SpecJSON?
    var wrapsResult: Bool
}

/// Stage 3 for MCP: `MCPTools`, one `MCPToolDescriptor` per method with an `"mcpTool"`, so a
/// method added to the spec with a tool name needs no MCP code.
struct MCPToolRenderer {
    let spec: Spec

    /// The tools, sorted by name.
    var tools: [MCPTool] {
        let schemas = MCPSchemaBuilder(document: spec.document)
        let raw = spec.document["methods"]?.array ?? []
        return spec.methods.compactMap { method -> MCPTool? in
            guard let name = method.mcpTool else { return nil }
            let entry = method.index < raw.count ? raw[method.index] : .null
            let output = schemas.outputSchema(result: entry["result"])
            return MCPTool(name: name, method: method,
                           description: method.description.map { method.summary + "\n\n" + $0 } ?? method.summary,
                           inputSchema: schemas.inputSchema(params: entry["params"]),
                           outputSchema: output.schema, wrapsResult: output.wrapsResult)
        }
        .sorted { $0.name < $1.name }
    }

    func file() -> String {
        let tools = tools
        var w = SwiftWriter.header("The MCP tools: every method with an \"mcpTool\", with self-contained JSON Schemas.", imports: ["CarRPC"])
        w.doc(["The methods the spec offers as MCP tools (`\"mcpTool\"`). A tool call is its method called",
               "with the tool's arguments as params; the result is the tool's structured content, wrapped",
               "as `{\"result\": ...}` when the descriptor's `wrapsResult` says so."])
        w.block("public enum MCPTools") { w in
            w.doc(["Every tool, sorted by name (`tools/list`)."])
            w.line("public static let all: [MCPToolDescriptor] = [")
            for tool in tools { w.line("    \(Self.memberName(tool)),") }
            w.line("]")
            w.line()
            w.doc(["The tool called `name` (`tools/call`); nil when there is none."])
            w.block("public static func named(_ name: String) -> MCPToolDescriptor?") { w in
                w.line("all.first { $0.name == name }")
            }
            for tool in tools {
                w.line()
                render(tool, into: &w)
            }
        }
        return w.text
    }

    private func render(_ tool: MCPTool, into w: inout SwiftWriter) {
        w.doc(["`\(tool.name)`: \(tool.method.summary)", "- Remark: Generated from \(tool.method.pointer) (`\(tool.method.name)`)"])
        w.line("public static let \(Self.memberName(tool)) = MCPToolDescriptor(")
        w.line("    name: \(SwiftWriter.literal(tool.name)),")
        w.line("    method: \(SwiftWriter.literal(tool.method.name)),")
        w.line("    description: \(SwiftWriter.literal(tool.description)),")
        schema("inputSchema", tool.inputSchema, into: &w)
        if let output = tool.outputSchema { schema("outputSchema", output, into: &w) } else { w.line("    outputSchema: nil,") }
        w.line("    wrapsResult: \(tool.wrapsResult),")
        w.line("    readOnly: \(tool.method.readOnly.map(String.init) ?? "nil")")
        w.line(")")
    }

    /// A schema argument as a raw string of the JSON, laid out as the spec is.
    private func schema(_ label: String, _ value: SpecJSON, into w: inout SwiftWriter) {
        let lines = JSONLayout.lines(value, width: 96)
        let hashes = Self.rawDelimiter(for: lines.joined(separator: "\n"))
        if lines.count == 1 {
            w.line("    \(label): MCPToolDescriptor.schema(\(hashes)\"\(lines[0])\"\(hashes)),")
            return
        }
        w.line("    \(label): MCPToolDescriptor.schema(\(hashes)\"\"\"")
        for line in lines { w.line("        " + line) }
        w.line("        \"\"\"\(hashes)),")
    }

    /// Enough `#`s that nothing in `text` ends the raw string or starts an escape in it.
    static func rawDelimiter(for text: String) -> String {
        var hashes = "#"
        while text.contains("\"" + hashes) || text.contains("\\" + hashes) { hashes += "#" }
        return hashes
    }

    /// Named after the method (unique in the spec, unlike tool names once camel-cased).
    static func memberName(_ tool: MCPTool) -> String {
        let name = tool.method.functionName
        return ["all", "named"].contains(name) ? name + "Tool" : SwiftNames.escaped(name)
    }
}
