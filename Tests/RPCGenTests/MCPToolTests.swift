import Testing
@testable import RPCGenCore

/// `"mcpTool"`: the parser's rules, and the self-contained schemas the renderer derives. An
/// MCP client validates results against outputSchema, so a dangling `$ref` or a spec-only
/// keyword there makes real tool calls fail.
@Suite("MCP tools")
struct MCPToolTests {
    static func tools() throws -> [MCPTool] {
        let (spec, diagnostics) = SpecValidationTests.load(try SpecValidationTests.realSpec())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return MCPToolRenderer(spec: try #require(spec)).tools
    }

    // MARK: Parser

    @Test func toolNamesMustMatchThePattern() throws {
        for bad in ["memory query", "memory.query", "", String(repeating: "a", count: 65), "ü"] {
            let messages = try SpecValidationTests.mutated {
                $0.replacingOccurrences(of: #""mcpTool": "memory_query""#, with: #""mcpTool": "\#(bad)""#)
            }
            #expect(messages.contains { $0.contains("method 'memory.query': mcpTool '\(bad)' must match ^[A-Za-z0-9_-]{1,64}$") }, "\(bad): \(messages)")
        }
        let longest = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""mcpTool": "memory_query""#, with: #""mcpTool": "\#(String(repeating: "a", count: 64))""#)
        }
        #expect(longest.isEmpty, "\(longest)")
    }

    @Test func toolNamesAreUnique() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""mcpTool": "memory_query""#, with: #""mcpTool": "memory_add_fact""#)
        }
        #expect(messages.contains { $0.contains("method 'memory.query': mcpTool 'memory_add_fact' is already the tool of method 'memory.add_fact'") }, "\(messages)")
        #expect(messages.first { $0.contains("already the tool") }?.contains("#/methods/") == true)
    }

    @Test func onlyClientToServerRequestsAreTools() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""name": "tools.cancel","#, with: #""name": "tools.cancel", "mcpTool": "tools_cancel", "readOnly": true,"#)
        }
        #expect(messages.contains { $0.contains("method 'tools.cancel': only a client-to-server request can be an MCP tool, not a serverToClient notification") }, "\(messages)")
        #expect(messages.contains { $0.contains("method 'tools.cancel': readOnly applies to client-to-server requests only") }, "\(messages)")
    }

    @Test func toolParamsMustBeAnObject() throws {
        // tools.register takes its params by position (an array).
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""name": "tools.register","#, with: #""name": "tools.register", "mcpTool": "tools_register","#)
        }
        #expect(messages.contains { $0.contains("method 'tools.register': an MCP tool's params must be an object schema") }, "\(messages)")
    }

    @Test func keywordsHaveTheirJSONTypes() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""mcpTool": "memory_query""#, with: #""mcpTool": 5"#)
                .replacingOccurrences(of: #""mcpTool": "memory_fact_count",\#n      "readOnly": true"#,
                                      with: #""mcpTool": "memory_fact_count",\#n      "readOnly": "yes""#)
        }
        #expect(messages.contains { $0.contains("method 'memory.query': mcpTool must be a string") }, "\(messages)")
        #expect(messages.contains { $0.contains("method 'memory.fact_count': readOnly must be true or false") }, "\(messages)")
    }

    // MARK: Schemas from the project spec

    @Test func theSpecOffersTheExpectedTools() throws {
        let tools = try Self.tools()
        let expected: [String: Bool] = [
            "memory_add_fact": true, "memory_build_context": true, "memory_delete": false, "memory_evaluate": false,
            "memory_fact_count": true, "memory_intervene": false, "memory_query": true, "memory_save_knowledge": false,
            "memory_save_procedural": false, "skill_find": true, "skill_ingest": true, "skill_report": false, "verify": false,
        ]
        #expect(tools.map(\.name) == expected.keys.sorted())
        for tool in tools { #expect(tool.wrapsResult == expected[tool.name], "\(tool.name)") }
        #expect(tools.first { $0.name == "memory_delete" }?.description.contains("\n\nA status id clears") == true)
    }

    @Test func everySchemaIsAnObjectAndSelfContained() throws {
        for tool in try Self.tools() {
            for (label, schema) in [("input", tool.inputSchema), ("output", tool.outputSchema)] {
                guard let schema else { continue }
                #expect(schema["type"]?.string == "object", "\(tool.name) \(label)")
                let definitions = Set((schema["$defs"]?.object ?? []).map(\.key))
                for ref in Self.refs(in: schema) {
                    #expect(ref.hasPrefix("#/$defs/") && definitions.contains(String(ref.dropFirst(8))), "\(tool.name) \(label): \(ref)")
                }
                #expect(Self.keywords(in: schema).allSatisfy { !$0.hasPrefix("x-") }, "\(tool.name) \(label)")
                #expect(!schema.rendered().contains("#/components"), "\(tool.name) \(label)")
            }
        }
    }

    @Test func referencedComponentsAreCollectedTransitively() throws {
        let tools = try Self.tools()
        let verify = try #require(tools.first { $0.name == "verify" })
        // params → ActionProposal → Action → Precondition; x-opaque is gone from all three.
        #expect(Set((verify.inputSchema["$defs"]?.object ?? []).map(\.key)) == ["ActionProposal", "Action", "Precondition"])
        #expect(verify.inputSchema["properties"]?["proposal"]?["$ref"]?.string == "#/$defs/ActionProposal")
        // The result names one component: it is inlined, so the root says type object itself.
        #expect(verify.outputSchema?["required"]?.array?.contains(.string("evidence")) == true)
        #expect(verify.outputSchema?["$defs"] == nil)
        let find = try #require(tools.first { $0.name == "skill_find" })
        #expect(find.outputSchema?["required"] == .array([.string("result")]))
        #expect(find.outputSchema?["properties"]?["result"]?["items"]?["$ref"]?.string == "#/$defs/SkillMatch")
        #expect(Set((find.outputSchema?["$defs"]?.object ?? []).map(\.key)) == ["SkillMatch", "SkillStats"])
    }

    // MARK: The builder on its own

    static func document() -> SpecJSON {
        var reader = SpecJSONReader(Array(#"""
            { "components": { "schemas": {
              "Node": { "x-opaque": true, "type": "object", "description": "a tree", "required": ["children"], "properties": {
                "children": { "type": "array", "items": { "$ref": "#/components/schemas/Node" } },
                "x-tag": { "type": "string", "x-swift-name": "tag" },
                "mode": { "type": "string", "enum": ["x-a", "b"], "default": "x-a" } } },
              "Alias": { "$ref": "#/components/schemas/Node" },
              "Names": { "type": "array", "items": { "type": "string" } }
            } } }
            """#.utf8))
        return try! reader.read()
    }

    @Test func recursiveComponentsLiveInDefsAndRootsAreInlined() {
        let builder = MCPSchemaBuilder(document: Self.document())
        let (schema, wraps) = builder.outputSchema(result: .object([("$ref", .string("#/components/schemas/Alias")), ("description", .string("the root"))]))
        #expect(!wraps)
        #expect(schema?["type"]?.string == "object")
        #expect(schema?["description"]?.string == "the root")
        #expect(schema?["x-opaque"] == nil)
        #expect(schema?["properties"]?["children"]?["items"]?["$ref"]?.string == "#/$defs/Node")
        #expect(schema?["$defs"]?["Node"]?["properties"]?["children"]?["items"]?["$ref"]?.string == "#/$defs/Node")
        // Only keywords are dropped: a property called x-tag and enum values are data.
        #expect(schema?["properties"]?["x-tag"]?["type"]?.string == "string")
        #expect(schema?["properties"]?["x-tag"]?["x-swift-name"] == nil)
        #expect(schema?["properties"]?["mode"]?["enum"] == .array([.string("x-a"), .string("b")]))
    }

    @Test func resultsThatAreNotObjectsAreWrapped() {
        let builder = MCPSchemaBuilder(document: Self.document())
        let nullable = builder.outputSchema(result: .object([("type", .array([.string("object"), .string("null")]))]))
        #expect(nullable.wrapsResult)
        #expect(nullable.schema?["properties"]?["result"]?["type"] == .array([.string("object"), .string("null")]))
        let named = builder.outputSchema(result: .object([("$ref", .string("#/components/schemas/Names"))]))
        #expect(named.wrapsResult)
        #expect(named.schema?["properties"]?["result"]?["$ref"]?.string == "#/$defs/Names")
        #expect(named.schema?["$defs"]?["Names"]?["items"]?["type"]?.string == "string")
        // Any JSON at all: nothing to validate against, and it may not be an object.
        let any = builder.outputSchema(result: .object([("description", .string("anything"))]))
        #expect(any.schema == nil && any.wrapsResult)
    }

    @Test func paramsBecomeAnObjectInputSchema() {
        let builder = MCPSchemaBuilder(document: Self.document())
        #expect(builder.inputSchema(params: nil) == .object([("type", .string("object")), ("properties", .object([]))]))
        let map = builder.inputSchema(params: .object([("type", .string("object")), ("additionalProperties", .object([]))]))
        #expect(map["properties"] == .object([]))
        #expect(builder.isObjectSchema(.object([("$ref", .string("#/components/schemas/Alias"))])))
        #expect(!builder.isObjectSchema(.object([("type", .string("array")), ("items", .object([]))])))
    }

    // MARK: Rendering

    @Test func theGeneratedFileEmbedsTheSchemas() throws {
        let (spec, _) = SpecValidationTests.load(try SpecValidationTests.realSpec())
        let model = try #require(spec)
        let text = MCPToolRenderer(spec: model).file()
        #expect(text == MCPToolRenderer(spec: model).file())
        #expect(text.contains("public static let all: [MCPToolDescriptor] = [\n        memoryAddFact,"))
        #expect(text.contains("public static func named(_ name: String) -> MCPToolDescriptor?"))
        #expect(text.contains("    public static let memoryQuery = MCPToolDescriptor(\n        name: \"memory_query\",\n        method: \"memory.query\","))
        #expect(text.contains(##""items": { "$ref": "#/$defs/FactHit" }"##))
        #expect(text.contains("outputSchema: MCPToolDescriptor.schema(##\"\"\"\n"))
        #expect(text.contains("wrapsResult: true,\n        readOnly: true\n"))
        #expect(!text.contains("x-opaque"))
        let files = ServerRenderer(spec: model).files(openRPC: "{}").map(\.name)
        #expect(!files.contains("MCPTools.swift"), "added by Generator.serverFiles, next to the others")
    }

    @Test func rawStringsOutgrowTheirContents() {
        #expect(MCPToolRenderer.rawDelimiter(for: #"{ "type": "object" }"#) == "#")
        #expect(MCPToolRenderer.rawDelimiter(for: ##"{ "$ref": "#/$defs/A" }"##) == "##")
        #expect(MCPToolRenderer.rawDelimiter(for: ###"{ "pattern": "\\##" }"###) == "###")
    }

    @Test func openRPCNamesTheTool() throws {
        let (spec, _) = SpecValidationTests.load(try SpecValidationTests.realSpec())
        let model = try #require(spec)
        let methods = try #require(OpenRPCExporter(spec: model).document()["methods"]?.array)
        let query = try #require(methods.first { $0["name"]?.string == "memory.query" })
        #expect(query["x-mcp-tool"]?.string == "memory_query")
        #expect(query["x-read-only"]?.bool == true)
        let ping = try #require(methods.first { $0["name"]?.string == "server.ping" })
        #expect(ping["x-mcp-tool"] == nil && ping["x-read-only"] == nil)
    }

    // MARK: Helpers

    static func refs(in value: SpecJSON) -> [String] {
        switch value {
        case .object(let members): members.flatMap { $0.key == "$ref" ? [$0.value.string ?? "?"] : refs(in: $0.value) }
        case .array(let items): items.flatMap(refs(in:))
        default: []
        }
    }

    /// Member names at schema positions (not property names or enum values).
    static func keywords(in schema: SpecJSON) -> [String] {
        guard let members = schema.object else { return [] }
        return members.flatMap { member -> [String] in
            switch member.key {
            case "properties", "$defs": [member.key] + (member.value.object ?? []).flatMap { keywords(in: $0.value) }
            case "items", "additionalProperties": [member.key] + keywords(in: member.value)
            default: [member.key]
            }
        }
    }
}
