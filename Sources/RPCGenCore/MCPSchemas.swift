/// Turns a method's params and result schemas into the self-contained JSON Schemas (draft
/// 2020-12) an MCP tool publishes. MCP clients show `inputSchema` to models and the official
/// Python SDK validates `structuredContent` against `outputSchema` with `jsonschema`, so a
/// schema must stand alone: `$ref`s point into its own `$defs`, and nothing spec-only remains.
/// It works on the spec's JSON rather than on `Schema`, which drops the keywords Swift does
/// not need (`format`, `maxLength`, `default`, `title`) but a client may.
struct MCPSchemaBuilder {
    /// The members of `#/components/schemas`, for `$ref`s.
    let components: [(key: String, value: SpecJSON)]

    static let componentPrefix = "#/components/schemas/"
    static let defsPrefix = "#/$defs/"

    init(document: SpecJSON) {
        components = document["components"]?["schemas"]?.object ?? []
    }

    /// `inputSchema`: the params schema, always an object; a method without params takes `{}`.
    func inputSchema(params: SpecJSON?) -> SpecJSON {
        guard let params else { return .object([("type", .string("object")), ("properties", .object([]))]) }
        var refs: Set<String> = []
        var root = rewrite(resolvedRoot(params), refs: &refs)
        // Some clients index `properties` without checking that it is there.
        if root["properties"] == nil, case .object(var members) = root {
            members.append(("properties", .object([])))
            root = .object(members)
        }
        return withDefinitions(root, refs: refs)
    }

    /// `outputSchema` and whether the result travels wrapped. MCP's `structuredContent` must
    /// be an object, so a result that may be anything else (a count, a list, null) is sent as
    /// `{"result": value}` and described so. A result schema without a type says nothing a
    /// client could check: there is no outputSchema, and the result is still wrapped, as it
    /// need not be an object.
    func outputSchema(result: SpecJSON?) -> (schema: SpecJSON?, wrapsResult: Bool) {
        guard let result else { return (nil, true) }
        let root = resolvedRoot(result)
        var refs: Set<String> = []
        if Self.isObjectType(root) {
            return (withDefinitions(rewrite(root, refs: &refs), refs: refs), false)
        }
        guard root["type"] != nil else { return (nil, true) }
        let wrapper: SpecJSON = .object([
            ("type", .string("object")),
            ("properties", .object([("result", rewrite(result, refs: &refs))])),
            ("required", .array([.string("result")])),
        ])
        return (withDefinitions(wrapper, refs: refs), true)
    }

    /// True when a params schema can be an `inputSchema`: it is (or names) a non-nullable object.
    func isObjectSchema(_ schema: SpecJSON) -> Bool {
        Self.isObjectType(resolvedRoot(schema))
    }

    static func isObjectType(_ schema: SpecJSON) -> Bool {
        schema["type"]?.string == "object"
    }

    /// The schema itself, or the component a top-level `$ref` names (following chains), so the
    /// root of a tool schema says `"type": "object"` as MCP requires rather than pointing
    /// elsewhere. A description next to the `$ref` describes this use and wins.
    func resolvedRoot(_ schema: SpecJSON) -> SpecJSON {
        var current = schema
        var seen: Set<String> = []
        while let name = componentName(current["$ref"]), seen.insert(name).inserted, let target = component(name) {
            guard case .object(var members) = target else { return target }
            if let description = current["description"] {
                members.removeAll { $0.key == "description" }
                members.append(("description", description))
            }
            current = .object(members)
        }
        return current
    }

    private func component(_ name: String) -> SpecJSON? {
        components.first { $0.key == name }?.value
    }

    private func componentName(_ ref: SpecJSON?) -> String? {
        guard let text = ref?.string, text.hasPrefix(Self.componentPrefix) else { return nil }
        return String(text.dropFirst(Self.componentPrefix.count))
    }

    /// A copy in which component `$ref`s point at `#/$defs/<Name>` (the names are collected in
    /// `refs`) and `x-` members are gone. Walked by keyword, so a property that happens to be
    /// called `x-foo` or `$ref`, and `enum` or `default` values, are kept as they are.
    private func rewrite(_ schema: SpecJSON, refs: inout Set<String>) -> SpecJSON {
        guard case .object(let members) = schema else { return schema }
        var out: [(key: String, value: SpecJSON)] = []
        for (key, value) in members where !key.hasPrefix("x-") {
            switch key {
            case "$ref":
                if let name = componentName(value) {
                    refs.insert(name)
                    out.append((key, .string(Self.defsPrefix + name)))
                } else {
                    out.append((key, value))
                }
            case "properties":
                out.append((key, .object((value.object ?? []).map { ($0.key, rewrite($0.value, refs: &refs)) })))
            case "items", "additionalProperties":
                out.append((key, rewrite(value, refs: &refs)))
            default:
                out.append((key, value))
            }
        }
        return .object(out)
    }

    /// `root` with a top-level `$defs` holding every component it names, directly or through
    /// another component; recursion is fine, as each is listed once and referred to by name.
    private func withDefinitions(_ root: SpecJSON, refs: Set<String>) -> SpecJSON {
        var pending = refs.sorted()
        var definitions: [String: SpecJSON] = [:]
        while let name = pending.popLast() {
            guard definitions[name] == nil, let body = component(name) else { continue }
            var more: Set<String> = []
            definitions[name] = rewrite(body, refs: &more)
            pending += more.filter { definitions[$0] == nil }.sorted()
        }
        guard !definitions.isEmpty, case .object(var members) = root else { return root }
        members.append(("$defs", .object(definitions.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })))
        return .object(members)
    }
}
