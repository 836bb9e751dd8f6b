import CarGenerated
import CarRPC
import CarTestSupport
import Testing

/// The generated `MCPTools` as an MCP endpoint will serve them: each is a spec method, its
/// schemas stand alone, and the daemon's real results for the spec's examples pass the
/// output schema, which is what an MCP client checks before it returns a tool result.
@Suite("MCP tools (generated from spec/methods.json)")
struct MCPToolsTests {
    static let expected: [String: (method: String, wrapsResult: Bool)] = [
        "memory_add_fact": ("memory.add_fact", true), "memory_query": ("memory.query", true),
        "memory_build_context": ("memory.build_context", true), "memory_save_knowledge": ("memory.save_knowledge", false),
        "memory_save_procedural": ("memory.save_procedural", false), "memory_delete": ("memory.delete", false),
        "memory_fact_count": ("memory.fact_count", true), "memory_intervene": ("memory.intervene", false),
        "memory_evaluate": ("memory.evaluate", false), "skill_find": ("skill.find", true), "skill_ingest": ("skill.ingest", true),
        "skill_report": ("skill.report", false), "verify": ("verify", false),
    ]

    @Test func theExpectedToolsAreGeneratedSortedByName() {
        let names = MCPTools.all.map(\.name)
        #expect(names == names.sorted())
        #expect(Set(names) == Set(Self.expected.keys), "\(names)")
        for tool in MCPTools.all {
            #expect(tool.method == Self.expected[tool.name]?.method, "\(tool.name)")
            #expect(tool.wrapsResult == Self.expected[tool.name]?.wrapsResult, "\(tool.name)")
            #expect(MCPTools.named(tool.name) == tool)
        }
        #expect(MCPTools.named("memory.query") == nil)
        #expect(MCPTools.memoryIntervene.readOnly == false && MCPTools.verify.readOnly == true)
    }

    @Test func everyToolIsAClientToServerRequest() {
        let methods = Dictionary(uniqueKeysWithValues: CarMethods.all.map { ($0.name, $0) })
        for tool in MCPTools.all {
            let method = methods[tool.method]
            #expect(method?.kind == .request && method?.direction == .clientToServer, "\(tool.name) → \(tool.method)")
            #expect(tool.description.hasPrefix(method?.summary ?? "?"), "\(tool.name)")
        }
    }

    @Test func everySchemaIsASelfContainedObjectSchema() {
        for tool in MCPTools.all {
            for (label, schema) in [("inputSchema", tool.inputSchema), ("outputSchema", tool.outputSchema)] {
                guard let schema else { continue }
                #expect(schema["type"] == .string("object"), "\(tool.name) \(label)")
                for ref in Self.refs(in: schema) {
                    #expect(Self.resolve(ref, in: schema) != nil, "\(tool.name) \(label): \(ref) does not resolve within the schema")
                }
            }
            if tool.wrapsResult, let output = tool.outputSchema {
                #expect(output["required"] == .array(["result"]), "\(tool.name)")
            }
        }
    }

    @Test func structuredContentWrapsWhatIsNotAnObject() {
        #expect(MCPTools.memoryFactCount.structuredContent(for: 3) == .object(["result": 3]))
        #expect(MCPTools.skillFind.structuredContent(for: .null) == .object(["result": .null]))
        #expect(MCPTools.memoryDelete.structuredContent(for: ["id": "x"]) == ["id": "x"])
    }

    /// The spec's conformance examples, run against the daemon: every result must pass its
    /// tool's output schema (wrapped as the endpoint will wrap it).
    @Test("the daemon's results pass the output schema", arguments: ConformanceCases.all.filter(Self.returnsAResult))
    func resultsPassTheOutputSchema(_ testCase: ConformanceCase) async throws {
        let tool = try #require(MCPTools.all.first { $0.method == testCase.method })
        let schema = try #require(tool.outputSchema, "\(tool.name) has no outputSchema")
        let daemon = try await ConformanceDaemon.shared()
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: daemon.port)
        defer { client.close() }
        try Session.prepare(client, testCase.setup)
        var results: [JSONValue] = []
        for step in testCase.before { results.append(try Session.call(client, step)) }
        try client.sendText(Session.substituting(results, into: testCase.request))
        let reply = try Session.reply(client)
        let result = try #require(reply["result"], "expected a result: \(reply)")
        let problems = SchemaCheck(root: schema).problems(tool.structuredContent(for: result))
        #expect(problems.isEmpty, "\(tool.name): \(result) fails its outputSchema: \(problems)")
    }

    /// The checker itself, on the mistakes a wrong outputSchema would hide: a null where the
    /// schema says string, a missing member, an integer that is not, a dangling `$ref`.
    @Test func theCheckerRejectsWhatJSONSchemaRejects() {
        let schema: JSONValue = [
            "type": "object", "required": ["kind", "count"],
            "properties": ["kind": ["type": "string"], "count": ["type": "integer", "minimum": 0], "hit": ["$ref": "#/$defs/Hit"]],
            "$defs": ["Hit": ["type": "object", "x-opaque": true]],
        ]
        let check = SchemaCheck(root: schema)
        #expect(check.problems(["kind": "a", "count": 2.0]).isEmpty)
        #expect(check.problems(["kind": .null, "count": 1]) == ["$.kind: null is not string"])
        #expect(check.problems(["kind": "a"]) == ["$: required member 'count' is missing"])
        #expect(check.problems(["kind": "a", "count": 1.5]) == ["$.count: number is not integer"])
        #expect(check.problems(["kind": "a", "count": -1]) == ["$.count: -1.0 < 0.0"])
        #expect(check.problems(["kind": "a", "count": 1, "hit": [:]]) == ["$.hit: unknown schema keyword 'x-opaque'"])
        #expect(SchemaCheck(root: ["$ref": "#/components/schemas/Hit"]).problems(1).count == 1)
    }

    static func returnsAResult(_ testCase: ConformanceCase) -> Bool {
        guard MCPTools.all.contains(where: { $0.method == testCase.method }) else { return false }
        switch testCase.expect {
        case .result, .resultKeys, .resultType: return true
        default: return false
        }
    }

    static func refs(in value: JSONValue) -> [String] {
        switch value {
        case .object(let members): members.flatMap { $0.key == "$ref" ? [$0.value.stringValue ?? "?"] : refs(in: $0.value) }
        case .array(let items): items.flatMap(refs(in:))
        default: []
        }
    }

    /// A `$ref` as a JSON pointer into the schema itself: only `#/...` can resolve there.
    static func resolve(_ ref: String, in schema: JSONValue) -> JSONValue? {
        guard ref.hasPrefix("#/") else { return nil }
        var current: JSONValue? = schema
        for part in ref.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            current = current?[key]
        }
        return current
    }
}
