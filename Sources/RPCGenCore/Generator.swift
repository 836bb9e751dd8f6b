/// The generator's public face, used by the `rpcgen` executable: spec bytes in, diagnostics
/// and generated files out. File I/O stays in the executable so this library is testable.
public struct LoadedSpec {
    let spec: Spec

    public var summary: String {
        "\(spec.methods.count) methods, \(spec.schemas.count) schemas, \(spec.errors.count) errors, \(spec.methods.filter { $0.mcpTool != nil }.count) MCP tools"
    }
}

public enum Generator {
    /// Parses and validates a spec. Diagnostics are rendered `file:line:col: severity: ...`;
    /// the spec is nil when any diagnostic is an error.
    public static func load(_ bytes: [UInt8], displayName: String) -> (spec: LoadedSpec?, diagnostics: [String]) {
        var reader = SpecJSONReader(bytes)
        let document: SpecJSON
        do {
            document = try reader.read()
        } catch {
            return (nil, ["\(displayName):\(error.line):\(error.column): error: #: invalid JSON: \(error.message)"])
        }
        let collector = DiagnosticCollector(positions: reader.positions)
        let spec = SpecParser(document: document, diagnostics: collector).parse()
        var lines = collector.diagnostics.sorted().map { $0.rendered(file: displayName) }
        guard let spec, !collector.hasErrors else {
            let count = collector.diagnostics.filter { $0.severity == .error }.count
            lines.append("\(displayName): error: the spec has \(count) error(s); nothing generated")
            return (nil, lines)
        }
        return (LoadedSpec(spec: spec), lines)
    }

    public static func openRPC(_ loaded: LoadedSpec) -> String {
        OpenRPCExporter(spec: loaded.spec).document().rendered(indent: 2)
    }

    /// The server surface: types, handler protocol, dispatch table, client proxy, metadata,
    /// and the MCP tool descriptors.
    public static func serverFiles(_ loaded: LoadedSpec) -> [(name: String, contents: String)] {
        ServerRenderer(spec: loaded.spec).files(openRPC: openRPC(loaded)) + [("MCPTools.swift", MCPToolRenderer(spec: loaded.spec).file())]
    }

    /// The MCP tools as JSON (name, method, description, schemas, wrapsResult, readOnly), for
    /// inspecting what an MCP client will be shown without starting the daemon.
    public static func mcpTools(_ loaded: LoadedSpec) -> String {
        let tools = MCPToolRenderer(spec: loaded.spec).tools.map { tool -> SpecJSON in
            var members: [(key: String, value: SpecJSON)] = [
                ("name", .string(tool.name)), ("method", .string(tool.method.name)), ("description", .string(tool.description)),
                ("inputSchema", tool.inputSchema), ("wrapsResult", .bool(tool.wrapsResult)),
            ]
            if let output = tool.outputSchema { members.append(("outputSchema", output)) }
            if let readOnly = tool.method.readOnly { members.append(("readOnly", .bool(readOnly))) }
            return .object(members)
        }
        return SpecJSON.array(tools).rendered(indent: 2)
    }

    /// The conformance cases a test target runs against a live server.
    public static func conformanceFiles(_ loaded: LoadedSpec) -> [(name: String, contents: String)] {
        [("ConformanceCases.swift", ConformanceRenderer(spec: loaded.spec).file())]
    }
}
