/// Stage 1: read the spec document into the model, checking everything a renderer relies on.
/// Problems are collected with their JSON pointer; the caller prints them all and fails.
struct SpecParser {
    let document: SpecJSON
    let diagnostics: DiagnosticCollector

    /// The codes the runtime produces on its own; the spec must list them under these names
    /// with these numbers, so the published contract and the runtime cannot drift apart.
    static let runtimeErrors: [(name: String, code: Int)] = [
        ("ParseError", -32700), ("InvalidRequest", -32600), ("MethodNotFound", -32601),
        ("InvalidParams", -32602), ("InternalError", -32603), ("AuthRequired", -32001),
        ("Forbidden", -32002), ("ApprovalDenied", -32003), ("DeadlineExceeded", -32004),
        ("HandshakeRequired", -32005), ("ProtocolMismatch", -32006),
    ]

    static let topLevelKeys: Set = ["specVersion", "info", "defaults", "roles", "methods", "components", "conformance", "$comment"]
    static let methodKeys: Set = [
        "name", "kind", "direction", "summary", "description", "auth", "approval", "handshake", "deadlineMs", "inline",
        "since", "deprecated", "tags", "errors", "params", "result", "examples", "swiftName", "paramsError", "$comment",
        "mcpTool", "readOnly", "a2a",
    ]
    static let schemaKeys: Set = [
        "type", "properties", "required", "additionalProperties", "items", "enum", "$ref", "format",
        "minimum", "maximum", "maxLength", "default", "description", "deprecated", "x-swift-name", "title",
        "x-opaque",
    ]
    static let roles: Set = ["none", "session", "host", "agent"]

    func parse() -> Spec? {
        guard let top = document.object else {
            diagnostics.error("#", "the spec must be a JSON object")
            return nil
        }
        for (key, _) in top where !Self.topLevelKeys.contains(key) {
            diagnostics.error("#/\(key)", "unknown top-level member '\(key)'")
        }
        if document["specVersion"]?.string != "1.0" {
            diagnostics.error("#/specVersion", "specVersion must be \"1.0\"")
        }
        let info = parseInfo()
        let defaults = document["defaults"]
        let errors = parseErrors()
        let a2aErrors = parseA2AErrors(besides: errors)
        let schemaMembers = document["components"]?["schemas"]?.object ?? []
        let schemaNames = Set(schemaMembers.map(\.key))
        var schemas: [(name: String, schema: Schema)] = []
        for (name, raw) in schemaMembers {
            if SwiftNames.typeName(name) != name {
                diagnostics.error("#/components/schemas/\(name)", "schema names must be UpperCamelCase Swift identifiers")
            }
            schemas.append((name, parseSchema(raw, pointer: "#/components/schemas/\(name)", refs: schemaNames)))
        }
        let errorNames = Set(errors.map(\.name))
        let a2aErrorNames = errorNames.union(a2aErrors.map(\.name))
        var methods: [SpecMethod] = []
        for (index, raw) in (document["methods"]?.array ?? []).enumerated() {
            // An A2A method may also answer with A2A's codes.
            let names = raw["a2a"] == nil ? errorNames : a2aErrorNames
            if let method = parseMethod(raw, index: index, defaults: defaults, refs: schemaNames, errorNames: names) {
                methods.append(method)
            }
        }
        if document["methods"]?.array == nil { diagnostics.error("#/methods", "methods must be an array") }
        checkUniqueness(methods)
        checkMCPTools(methods)
        checkA2A(methods)
        let conformance = (document["conformance"]?["authToken"]?.string ?? "", document["conformance"]?["hostToken"]?.string ?? "")
        if conformance.0.isEmpty || conformance.1.isEmpty || conformance.0 == conformance.1 {
            diagnostics.error("#/conformance", "conformance.authToken and conformance.hostToken are required and must differ")
        }
        let spec = Spec(info: info, methods: methods, schemas: schemas, errors: errors, a2aErrors: a2aErrors,
                        conformance: conformance, document: document)
        ExampleValidator(spec: spec, diagnostics: diagnostics).validateAll()
        return diagnostics.hasErrors ? nil : spec
    }

    private func parseInfo() -> SpecInfo {
        let info = document["info"]
        let version = info?["version"]?.string ?? ""
        if version.isEmpty { diagnostics.error("#/info/version", "info.version (this implementation's version) is required") }
        let implementation = info?["implementation"]?.string ?? ""
        if implementation.isEmpty { diagnostics.error("#/info/implementation", "info.implementation (the daemon's name) is required") }
        // The official clients compare server_version with their own package version as a
        // release number (MAJOR.MINOR.PATCH); anything else makes them warn on every connection.
        let carRelease = info?["carRelease"]?.string ?? ""
        let parts = carRelease.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count != 3 || parts.contains(where: { $0.isEmpty || !$0.allSatisfy { $0.isASCII && $0.isNumber } }) {
            diagnostics.error("#/info/carRelease", "info.carRelease (the CAR release level implemented, reported as server_version) must be MAJOR.MINOR.PATCH, got '\(carRelease)'")
        }
        let wire = info?["wireProtocol"]?.integer ?? 0
        if wire <= 0 { diagnostics.error("#/info/wireProtocol", "info.wireProtocol must be a positive integer") }
        let supported = info?["supportedWireProtocols"]?.array?.compactMap(\.integer) ?? [wire]
        if !supported.contains(wire) {
            diagnostics.error("#/info/supportedWireProtocols", "must include info.wireProtocol (\(wire))")
        }
        return SpecInfo(title: info?["title"]?.string ?? "", version: version,
                        implementation: implementation, carRelease: carRelease,
                        description: info?["description"]?.string ?? "", wireProtocol: wire,
                        supportedWireProtocols: supported.sorted())
    }

    private func parseErrors() -> [SpecError] {
        let errors = parseErrorTable("errors")
        for (name, code) in Self.runtimeErrors {
            guard let found = errors.first(where: { $0.name == name }) else {
                diagnostics.error("#/components/errors", "missing error '\(name)' (\(code)), which the runtime produces")
                continue
            }
            if found.code != code {
                diagnostics.error("#/components/errors/\(name)/code", "'\(name)' must be \(code): the runtime answers with that code")
            }
        }
        return errors
    }

    /// `#/components/<key>`: named errors, each code used once within the table.
    func parseErrorTable(_ key: String) -> [SpecError] {
        var errors: [SpecError] = []
        var codes: [Int: String] = [:]
        for (name, raw) in document["components"]?[key]?.object ?? [] {
            let pointer = "#/components/\(key)/\(name)"
            guard let code = raw["code"]?.integer, let message = raw["message"]?.string else {
                diagnostics.error(pointer, "an error needs an integer code and a message")
                continue
            }
            if let other = codes[code] { diagnostics.error(pointer + "/code", "code \(code) is already used by \(other)") }
            let standard = [-32700, -32600, -32601, -32602, -32603]
            if !standard.contains(code) && !(-32099 ... -32000).contains(code) {
                diagnostics.error(pointer + "/code", "CAR error codes stay in the server range -32099...-32000")
            }
            codes[code] = name
            errors.append(SpecError(name: name, code: code, message: message, description: raw["description"]?.string))
        }
        return errors.sorted { $0.name < $1.name }
    }

    private func parseMethod(_ raw: SpecJSON, index: Int, defaults: SpecJSON?, refs: Set<String>, errorNames: Set<String>) -> SpecMethod? {
        let pointer = "#/methods/\(index)"
        guard let members = raw.object else {
            diagnostics.error(pointer, "a method must be an object")
            return nil
        }
        for (key, _) in members where !Self.methodKeys.contains(key) {
            diagnostics.error(pointer + "/\(key)", "unknown method member '\(key)'")
        }
        guard let name = raw["name"]?.string, !name.isEmpty else {
            diagnostics.error(pointer + "/name", "a method needs a name")
            return nil
        }
        let label = "method '\(name)'"
        // A2A's names are its own (`SendMessage`, `tasks/pushNotificationConfig/set`); checkA2A
        // holds them to A2A's spelling instead.
        if raw["a2a"] == nil, !SwiftNames.isValidMethodName(name) {
            diagnostics.error(pointer + "/name", "\(label): names are dot-separated lowercase words (letters, digits, '_' or '/')")
        }
        guard let kind = raw["kind"]?.string.flatMap(SpecMethod.Kind.init(rawValue:)) else {
            diagnostics.error(pointer + "/kind", "\(label): kind must be \"request\" or \"notification\"")
            return nil
        }
        guard let direction = raw["direction"]?.string.flatMap(SpecMethod.Direction.init(rawValue:)) else {
            diagnostics.error(pointer + "/direction", "\(label): direction must be \"clientToServer\" or \"serverToClient\"")
            return nil
        }
        let summary = raw["summary"]?.string ?? ""
        if summary.isEmpty { diagnostics.error(pointer + "/summary", "\(label): a summary is required") }

        func policy(_ key: String, allowed: Set<String>) -> String {
            let value = raw[key]?.string ?? defaults?[key]?.string ?? "none"
            if !allowed.contains(value) {
                diagnostics.error(pointer + "/\(key)", "\(label): \(key) must be one of \(allowed.sorted().joined(separator: ", "))")
            }
            return value
        }
        var auth = policy("auth", allowed: Self.roles)
        var approval = policy("approval", allowed: ["none", "gated"])
        var handshake = policy("handshake", allowed: ["none", "required", "initiates"])
        if direction == .serverToClient {
            for key in ["auth", "approval", "handshake"] where raw[key] != nil {
                diagnostics.error(pointer + "/\(key)", "\(label): \(key) applies to client-to-server methods only")
            }
            auth = "none"; approval = "none"; handshake = "none"
        }
        if kind == .notification {
            for key in ["result", "errors", "approval", "paramsError"] where raw[key] != nil {
                diagnostics.error(pointer + "/\(key)", "\(label): a notification has no \(key)")
            }
        } else if raw["result"] == nil {
            diagnostics.error(pointer + "/result", "\(label): a request needs a result schema ({} for any JSON)")
        }
        if name.hasPrefix("rpc.") && name != "rpc.discover" {
            diagnostics.error(pointer + "/name", "\(label): the rpc. prefix is reserved by JSON-RPC")
        }
        let errors = raw["errors"]?.array?.compactMap(\.string) ?? []
        for (position, error) in errors.enumerated() where !errorNames.contains(error) {
            diagnostics.error(pointer + "/errors/\(position)", "\(label): unknown error '\(error)'")
        }
        var paramsError: (String, String?)?
        if let raw = raw["paramsError"] {
            let error = raw["error"]?.string ?? ""
            if !errorNames.contains(error) {
                diagnostics.error(pointer + "/paramsError/error", "\(label): unknown error '\(error)'")
            }
            paramsError = (error, raw["prefix"]?.string)
        }
        // Only a method's own deadline is baked into its descriptor: the defaults' value is the
        // daemon's default, which CAR_HANDLER_TIMEOUT may change at run time.
        let deadline = raw["deadlineMs"]?.integer
        if let deadline, deadline <= 0 {
            diagnostics.error(pointer + "/deadlineMs", "\(label): deadlineMs must be positive")
        }
        // An inline handler runs on the connection's event loop as its frame is read, without a
        // task: it cannot wait for a person, and a deadline could not interrupt it.
        let inline = raw["inline"]?.bool ?? false
        if inline {
            if direction == .serverToClient { diagnostics.error(pointer + "/inline", "\(label): only client-to-server handlers run inline") }
            if approval == "gated" { diagnostics.error(pointer + "/inline", "\(label): an approval-gated method waits, so it cannot be inline") }
            if deadline != nil { diagnostics.error(pointer + "/inline", "\(label): an inline handler has no deadline to set") }
        }
        let params = raw["params"].map { parseSchema($0, pointer: pointer + "/params", refs: refs) }
        if let params, !isObjectOrArray(params, refs: refs) {
            diagnostics.error(pointer + "/params", "\(label): params must be an object schema (by name) or an array schema (by position)")
        }
        let result = raw["result"].map { parseSchema($0, pointer: pointer + "/result", refs: refs) }
        let examples = parseExamples(raw["examples"], pointer: pointer + "/examples", label: label)
        let typeName = raw["swiftName"]?.string ?? SwiftNames.typeName(forMethod: name)
        return SpecMethod(
            index: index, name: name, kind: kind, direction: direction, summary: summary,
            description: raw["description"]?.string, auth: auth, approval: approval, handshake: handshake,
            deadlineMs: deadline, inline: inline, since: raw["since"]?.string, deprecated: raw["deprecated"]?.bool ?? false,
            tags: raw["tags"]?.array?.compactMap(\.string) ?? [String(name.split(separator: ".").first ?? "")],
            errors: errors, params: params, result: result, examples: examples, typeName: typeName,
            functionName: SwiftNames.lowerFirst(typeName), paramsError: paramsError,
            mcpTool: raw["mcpTool"]?.string, readOnly: raw["readOnly"]?.bool, a2a: parseA2A(raw["a2a"], name: name, pointer: pointer + "/a2a"))
    }

    private func isObjectOrArray(_ schema: Schema, refs: Set<String>) -> Bool {
        switch schema.kind {
        case .object, .dictionary, .array: return !schema.nullable
        case .ref(let name):
            guard let raw = document["components"]?["schemas"]?[name] else { return false }
            return raw["type"]?.string == "object" || raw["type"]?.string == "array"
        default: return false
        }
    }

    private func parseExamples(_ raw: SpecJSON?, pointer: String, label: String) -> [SpecExample] {
        guard let items = raw?.array, !items.isEmpty else {
            diagnostics.error(pointer, "\(label): at least one example is required")
            return []
        }
        var examples: [SpecExample] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let here = pointer + "/\(index)"
            guard let name = item["name"]?.string, !name.isEmpty else {
                diagnostics.error(here, "\(label): every example needs a name")
                continue
            }
            if !names.insert(name).inserted { diagnostics.error(here + "/name", "\(label): duplicate example '\(name)'") }
            var error: (Int, String?)?
            if let raw = item["error"] {
                guard let code = raw["code"]?.integer else {
                    diagnostics.error(here + "/error", "\(label): an error example needs an integer code")
                    continue
                }
                error = (code, raw["message"]?.string)
            }
            let resultType = item["resultType"]?.string
            if let resultType, !["string", "integer", "number", "boolean", "array", "object"].contains(resultType) {
                diagnostics.error(here + "/resultType", "\(label): resultType must be string, integer, number, boolean, array or object")
            }
            if error != nil && (item["result"] != nil || item["resultKeys"] != nil || resultType != nil) {
                diagnostics.error(here, "\(label): an example has a result or an error, not both")
            }
            var before: [(method: String, params: SpecJSON)] = []
            for (step, call) in (item["before"]?.array ?? []).enumerated() {
                guard let method = call["method"]?.string, !method.isEmpty else {
                    diagnostics.error(here + "/before/\(step)", "\(label): a 'before' call needs a method")
                    continue
                }
                before.append((method, call["params"] ?? .null))
            }
            let paramsValid = item["paramsValid"]?.bool ?? false
            if paramsValid && error == nil {
                diagnostics.error(here + "/paramsValid", "\(label): paramsValid marks an error example whose params decode; a succeeding example needs no mark")
            }
            examples.append(SpecExample(name: name, params: item["params"] ?? .null, result: item["result"],
                                        resultKeys: item["resultKeys"]?.array?.compactMap(\.string), resultType: resultType,
                                        before: before, error: error, paramsValid: paramsValid))
        }
        return examples
    }

    func parseSchema(_ raw: SpecJSON, pointer: String, refs: Set<String>) -> Schema {
        guard let members = raw.object else {
            diagnostics.error(pointer, "a schema must be an object")
            return Schema(kind: .any, pointer: pointer)
        }
        for (key, _) in members where !Self.schemaKeys.contains(key) {
            diagnostics.error(pointer + "/\(key)", "unsupported schema keyword '\(key)'")
        }
        let description = raw["description"]?.string
        if raw["x-opaque"] == .bool(true) {
            // Documented for other languages (OpenRPC copies it through) and still validated
            // here, but the generated code keeps the value as JSONValue: a domain reader owns
            // the shape, so its field-path errors and defaults are the only ones.
            _ = parseSchema(.object(members.filter { $0.key != "x-opaque" }), pointer: pointer, refs: refs)
            return Schema(kind: .any, description: description, pointer: pointer)
        }
        if let ref = raw["$ref"] {
            let prefix = "#/components/schemas/"
            guard let text = ref.string, text.hasPrefix(prefix), refs.contains(String(text.dropFirst(prefix.count))) else {
                diagnostics.error(pointer + "/$ref", "unknown $ref \(ref.rendered())")
                return Schema(kind: .any, pointer: pointer)
            }
            return Schema(kind: .ref(String(text.dropFirst(prefix.count))), description: description, pointer: pointer)
        }
        var types: [String] = []
        switch raw["type"] {
        case nil: break
        case .string(let type)?: types = [type]
        case .array(let list)?: types = list.compactMap(\.string)
        default: diagnostics.error(pointer + "/type", "type must be a string or a list of strings")
        }
        let nullable = types.contains("null")
        types.removeAll { $0 == "null" }
        if types.count > 1 {
            diagnostics.error(pointer + "/type", "only one non-null type is supported (use oneOf with a discriminator instead)")
        }
        let minimum = raw["minimum"].flatMap { value -> Double? in
            if case .integer(let i) = value { return Double(i) }
            if case .number(let d) = value { return d }
            return nil
        }
        let maximum = raw["maximum"].flatMap { value -> Double? in
            if case .integer(let i) = value { return Double(i) }
            if case .number(let d) = value { return d }
            return nil
        }
        let kind: Schema.Kind
        switch types.first {
        case nil:
            kind = .any
        case "string":
            var values: [String]?
            if let list = raw["enum"] {
                values = list.array?.compactMap(\.string)
                if values?.isEmpty ?? true { diagnostics.error(pointer + "/enum", "enum must be a non-empty list of strings") }
            }
            kind = .string(enumValues: values)
        case "integer": kind = .integer
        case "number": kind = .number
        case "boolean": kind = .boolean
        case "array":
            guard let items = raw["items"] else {
                diagnostics.error(pointer + "/items", "an array schema needs items")
                return Schema(kind: .any, pointer: pointer)
            }
            kind = .array(parseSchema(items, pointer: pointer + "/items", refs: refs))
        case "object":
            if let properties = raw["properties"] {
                let required = Set(raw["required"]?.array?.compactMap(\.string) ?? [])
                var list: [SchemaProperty] = []
                for (name, schema) in properties.object ?? [] {
                    if let given = schema["x-swift-name"], given.string.map(SwiftNames.isIdentifier) != true {
                        diagnostics.error(pointer + "/properties/\(name)/x-swift-name", "x-swift-name must be a Swift identifier (letters, digits, _; not starting with a digit)")
                    }
                    if SwiftNames.memberName(name).isEmpty {
                        diagnostics.error(pointer + "/properties/\(name)", "property name '\(name)' gives no Swift identifier")
                    }
                    list.append(SchemaProperty(name: name,
                                               schema: parseSchema(schema, pointer: pointer + "/properties/\(name)", refs: refs),
                                               required: required.contains(name), swiftName: schema["x-swift-name"]?.string))
                }
                var members: [String: String] = [:]
                for property in list {
                    if let other = members[property.memberName] {
                        diagnostics.error(pointer + "/properties/\(property.name)",
                                          "properties '\(other)' and '\(property.name)' both map to the Swift name \(property.memberName); set x-swift-name")
                    }
                    members[property.memberName] = property.name
                }
                for name in required where !list.contains(where: { $0.name == name }) {
                    diagnostics.error(pointer + "/required", "required property '\(name)' is not defined")
                }
                if let additional = raw["additionalProperties"], additional != .bool(false) {
                    diagnostics.error(pointer + "/additionalProperties", "an object with properties may only say additionalProperties: false")
                }
                kind = .object(list.sorted { $0.name < $1.name })
            } else if let additional = raw["additionalProperties"], additional.object != nil {
                kind = .dictionary(parseSchema(additional, pointer: pointer + "/additionalProperties", refs: refs))
            } else {
                kind = .dictionary(Schema(kind: .any, pointer: pointer))
            }
        case let other?:
            diagnostics.error(pointer + "/type", "unsupported type '\(other)'")
            kind = .any
        }
        return Schema(kind: kind, nullable: nullable, description: description, minimum: minimum, maximum: maximum, pointer: pointer)
    }

    private func checkUniqueness(_ methods: [SpecMethod]) {
        var names: [String: Int] = [:]
        var types: [String: String] = [:]
        for method in methods {
            if let other = names[method.name] {
                diagnostics.error(method.pointer + "/name", "method '\(method.name)' is already defined at #/methods/\(other)")
            }
            names[method.name] = method.index
            if let other = types[method.typeName] {
                diagnostics.error(method.pointer + "/name", "method '\(method.name)' and '\(other)' both map to the Swift name \(method.typeName); set swiftName")
            }
            types[method.typeName] = method.name
        }
        let initiators = methods.filter { $0.handshake == "initiates" }
        if initiators.count != 1 {
            diagnostics.error("#/methods", "exactly one method must have handshake \"initiates\" (found \(initiators.count))")
        }
    }
}
