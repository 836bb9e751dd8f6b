/// The rules for `"mcpTool"` and `"readOnly"`. A tool is generated from its method alone, so
/// everything that would make it unusable by an MCP client is a spec error here, not a
/// surprise in the endpoint.
extension SpecParser {
    /// What MCP clients and the model APIs behind them accept as a tool name.
    static let mcpToolNamePattern = "^[A-Za-z0-9_-]{1,64}$"

    static func isValidMCPToolName(_ name: String) -> Bool {
        (1...64).contains(name.unicodeScalars.count) && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }

    func checkMCPTools(_ methods: [SpecMethod]) {
        let schemas = MCPSchemaBuilder(document: document)
        var owners: [String: String] = [:]
        for method in methods {
            let raw = document["methods"]?.array?[method.index]
            let label = "method '\(method.name)'"
            let callable = method.kind == .request && method.direction == .clientToServer
            if let readOnly = raw?["readOnly"] {
                if readOnly.bool == nil { diagnostics.error(method.pointer + "/readOnly", "\(label): readOnly must be true or false") }
                if !callable { diagnostics.error(method.pointer + "/readOnly", "\(label): readOnly applies to client-to-server requests only") }
            }
            guard let value = raw?["mcpTool"] else { continue }
            let pointer = method.pointer + "/mcpTool"
            guard let name = value.string else {
                diagnostics.error(pointer, "\(label): mcpTool must be a string (the MCP tool name)")
                continue
            }
            if !Self.isValidMCPToolName(name) {
                diagnostics.error(pointer, "\(label): mcpTool '\(name)' must match \(Self.mcpToolNamePattern) (letters, digits, '_' and '-', at most 64)")
            }
            // A tool call is answered with a result, and it is the client that calls.
            if !callable {
                diagnostics.error(pointer, "\(label): only a client-to-server request can be an MCP tool, not a \(method.direction.rawValue) \(method.kind.rawValue)")
            }
            if let other = owners[name] {
                diagnostics.error(pointer, "\(label): mcpTool '\(name)' is already the tool of method '\(other)'")
            } else {
                owners[name] = method.name
            }
            // MCP arguments are a JSON object: a by-position or nullable params schema has no tool form.
            if let params = raw?["params"], !schemas.isObjectSchema(params) {
                diagnostics.error(method.pointer + "/params", "\(label): an MCP tool's params must be an object schema (its inputSchema is {\"type\": \"object\"})")
            }
        }
    }
}
