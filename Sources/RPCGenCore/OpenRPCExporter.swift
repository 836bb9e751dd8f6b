/// Builds the OpenRPC 1.3 document other-language clients read. Schemas are copied from the
/// spec unchanged (its `$ref`s already point at `#/components/schemas`); CAR's own semantics
/// that OpenRPC has no words for travel in `x-` members.
struct OpenRPCExporter {
    let spec: Spec

    func document() -> SpecJSON {
        let components = spec.document["components"]
        var errors: [(key: String, value: SpecJSON)] = []
        for (error, protocolName) in spec.errors.map({ ($0, nil as String?) }) + spec.a2aErrors.map({ ($0, "a2a") }) {
            var members: [(key: String, value: SpecJSON)] = [("code", .integer(error.code)), ("message", .string(error.message))]
            if let description = error.description { members.append(("x-description", .string(description))) }
            if let protocolName { members.append(("x-protocol", .string(protocolName))) }
            errors.append((error.name, .object(members)))
        }
        // What the WebSocket serves; A2A's streaming methods are the A2A listener's alone.
        let inbound = spec.methods.filter { $0.direction == .clientToServer && $0.servedOnWebSocket }.sorted { $0.name < $1.name }
        let outbound = spec.methods.filter { $0.direction == .serverToClient }.sorted { $0.name < $1.name }
        return .object([
            ("openrpc", .string("1.3.2")),
            ("info", .object([
                ("title", .string(spec.info.title)),
                ("version", .string(spec.info.version)),
                ("description", .string(spec.info.description)),
                ("x-implementation", .string(spec.info.implementation)),
                ("x-car-release", .string(spec.info.carRelease)),
                ("x-wire-protocol", .integer(spec.info.wireProtocol)),
                ("x-supported-wire-protocols", .array(spec.info.supportedWireProtocols.map { .integer($0) })),
            ])),
            ("methods", .array(inbound.map(method))),
            ("components", .object([
                ("schemas", components?["schemas"] ?? .object([])),
                ("errors", .object(errors)),
            ])),
            // Server→client calls are part of the contract a client must implement, though
            // OpenRPC only describes one direction; they are listed here in the same form.
            ("x-server-to-client-methods", .array(outbound.map(method))),
        ])
    }

    private func raw(_ pointer: String) -> SpecJSON? {
        var current: SpecJSON? = spec.document
        for part in pointer.split(separator: "/").dropFirst() {
            let key = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if let index = Int(key), let array = current?.array { current = index < array.count ? array[index] : nil }
            else { current = current?[key] }
        }
        return current
    }

    /// The object schema behind a params schema, following one `$ref`.
    private func objectSchema(_ schema: SpecJSON) -> SpecJSON? {
        if let ref = schema["$ref"]?.string {
            return raw(ref)
        }
        return schema
    }

    private func method(_ method: SpecMethod) -> SpecJSON {
        var members: [(key: String, value: SpecJSON)] = [
            ("name", .string(method.name)),
            ("summary", .string(method.summary)),
        ]
        if let description = method.description { members.append(("description", .string(description))) }
        members.append(("tags", .array(method.tags.map { .object([("name", .string($0))]) })))
        let rawParams = raw(method.pointer + "/params")
        var structure = "by-name"
        var descriptors: [SpecJSON] = []
        if let rawParams, let object = objectSchema(rawParams), object["type"]?.string == "object" {
            let required = Set(object["required"]?.array?.compactMap(\.string) ?? [])
            let properties = (object["properties"]?.object ?? []).sorted {
                (required.contains($0.key) ? 0 : 1, $0.key) < (required.contains($1.key) ? 0 : 1, $1.key)
            }
            for (name, schema) in properties {
                var descriptor: [(key: String, value: SpecJSON)] = [("name", .string(name)), ("required", .bool(required.contains(name))), ("schema", schema)]
                if let description = schema["description"]?.string { descriptor.append(("description", .string(description))) }
                descriptors.append(.object(descriptor))
            }
        } else if let rawParams {
            // A bare array (by position): OpenRPC cannot say "the params are this array", so the
            // real schema rides along in x-params-schema.
            structure = "by-position"
            descriptors.append(.object([("name", .string("items")), ("required", .bool(true)), ("schema", rawParams)]))
            members.append(("x-params-schema", rawParams))
        }
        members.append(("paramStructure", .string(structure)))
        members.append(("params", .array(descriptors)))
        if method.kind == .request {
            members.append(("result", .object([("name", .string(method.typeName + "Result")),
                                               ("schema", raw(method.pointer + "/result") ?? .object([]))])))
            members.append(("errors", .array(method.errors.map { .object([("$ref", .string("#/components/errors/\($0)"))]) })))
        }
        let pairings = method.examples.compactMap { example -> SpecJSON? in
            guard example.error == nil else { return nil }
            var params: [SpecJSON] = []
            if structure == "by-position" {
                params = [.object([("name", .string("items")), ("value", example.params)])]
            } else {
                for (name, value) in example.params.object ?? [] {
                    params.append(.object([("name", .string(name)), ("value", value)]))
                }
            }
            var pairing: [(key: String, value: SpecJSON)] = [("name", .string(example.name)), ("params", .array(params))]
            if let result = example.result { pairing.append(("result", .object([("name", .string("result")), ("value", result)]))) }
            return .object(pairing)
        }
        members.append(("examples", .array(pairings)))
        if method.deprecated { members.append(("deprecated", .bool(true))) }
        members.append(("x-kind", .string(method.kind.rawValue)))
        members.append(("x-direction", .string(method.direction.rawValue)))
        if method.direction == .clientToServer {
            members.append(("x-auth", .string(method.auth)))
            members.append(("x-approval", .string(method.approval)))
            members.append(("x-handshake", .string(method.handshake)))
        }
        if let deadline = method.deadlineMs { members.append(("x-deadline-ms", .integer(deadline))) }
        if method.inline { members.append(("x-inline", .bool(true))) }
        if let since = method.since { members.append(("x-since", .string(since))) }
        if let readOnly = method.readOnly { members.append(("x-read-only", .bool(readOnly))) }
        // The schemas an MCP client sees are derived from this method's (see MCPSchemaBuilder).
        if let tool = method.mcpTool { members.append(("x-mcp-tool", .string(tool))) }
        if let a2a = method.a2a {
            members.append(("x-a2a", .object([("operation", .string(a2a.operation)), ("version", .string(a2a.version))])))
        }
        return .object(members)
    }
}
