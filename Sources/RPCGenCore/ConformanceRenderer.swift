/// Renders `ConformanceCases.swift` for the test target: wire-level cases derived from the
/// spec (every example, the pre-auth gate, each missing or mistyped param, each method sent
/// as a notification) plus typed round trips of the server→client methods.
struct ConformanceRenderer {
    let spec: Spec

    func file() -> String {
        var w = SwiftWriter.header("Conformance cases for every method in the spec.", imports: ["CarGenerated", "CarRPC"])
        w.doc(["The tokens the conformance server is started with (the spec's examples use them)."])
        w.block("enum ConformanceTokens") { w in
            w.line("static let auth = \(SwiftWriter.literal(spec.conformance.authToken))")
            w.line("static let host = \(SwiftWriter.literal(spec.conformance.hostToken))")
        }
        w.line()
        w.block("enum ConformanceCases") { w in
            w.doc(["Client→server cases, sent over a real WebSocket."])
            w.line("static let all: [ConformanceCase] = [")
            for method in spec.methods where method.direction == .clientToServer {
                for entry in cases(for: method) { w.line("    " + entry + ",") }
            }
            w.line("]")
            w.line()
            w.doc(["Server→client methods: the typed proxy must send the example params and decode the example result."])
            w.line("static let outbound: [OutboundCase] = [")
            for method in spec.methods where method.direction == .serverToClient {
                for entry in outboundCases(for: method) { w.line(entry) }
            }
            w.line("]")
            w.line()
            w.doc(["Every method name in the spec, to check the suite covers each one."])
            w.line("static let methodNames: [String] = [\(spec.methods.map { SwiftWriter.literal($0.name) }.joined(separator: ", "))]")
        }
        return w.text
    }

    private func setup(for method: SpecMethod) -> String {
        if method.auth == "none" { return ".fresh" }
        if method.auth == "host" { return method.handshake == "required" ? ".hostNegotiated" : ".host" }
        return method.handshake == "required" ? ".negotiated" : ".authenticated"
    }

    private func request(_ method: SpecMethod, params: SpecJSON, id: Bool = true) -> String {
        var members: [(key: String, value: SpecJSON)] = [("jsonrpc", .string("2.0")), ("method", .string(method.name)), ("params", params)]
        if id { members.append(("id", .integer(1))) }
        return SwiftWriter.literal(SpecJSON.object(members).rendered())
    }

    private func caseLiteral(_ name: String, _ method: SpecMethod, setup: String, request: String, expect: String,
                             before: [String] = []) -> String {
        let steps = before.isEmpty ? "" : ", before: [\(before.joined(separator: ", "))]"
        return "ConformanceCase(name: \(SwiftWriter.literal(name)), method: \(SwiftWriter.literal(method.name)), setup: \(setup)\(steps), request: \(request), expect: \(expect))"
    }

    /// A setup call of an example, sent with its own id so its reply cannot be mistaken for
    /// the example's.
    private func beforeRequest(_ method: String, params: SpecJSON, step: Int) -> String {
        let members: [(key: String, value: SpecJSON)] = [("jsonrpc", .string("2.0")), ("method", .string(method)), ("params", params),
                                                         ("id", .string("before-\(step)"))]
        return SwiftWriter.literal(SpecJSON.object(members).rendered())
    }

    private func cases(for method: SpecMethod) -> [String] {
        var out: [String] = []
        let setup = setup(for: method)
        let paramsCode = method.paramsError.flatMap { p in spec.errors.first { $0.name == p.error }?.code } ?? -32602
        // A host-only method refuses other sessions the way the reference daemon does: its
        // generic internal-error code, with a message naming the host token.
        let hostRoleCode = spec.errors.first { $0.name == "InternalError" }?.code ?? -32603
        // A notification is answered by nothing, whatever it carries; refused before auth, it
        // still ends the connection.
        let notification = method.kind == .notification
        for example in method.examples {
            let expect: String
            if notification {
                expect = ".noReply"
            } else if let error = example.error {
                expect = ".error(code: \(error.code), message: \(error.message.map(SwiftWriter.literal) ?? "nil"), mentions: nil, closes: false)"
            } else if let result = example.result {
                expect = ".result(\(SwiftWriter.literal(result.rendered())))"
            } else if let type = example.resultType {
                expect = ".resultType(\(SwiftWriter.literal(type)))"
            } else {
                expect = ".resultKeys([\((example.resultKeys ?? []).map(SwiftWriter.literal).joined(separator: ", "))])"
            }
            let before = example.before.enumerated().map { beforeRequest($1.method, params: $1.params, step: $0) }
            out.append(caseLiteral("\(method.name)/example:\(example.name)", method, setup: setup,
                                   request: request(method, params: example.params, id: !notification), expect: expect, before: before))
        }
        // A method the WebSocket does not serve has only its examples (MethodNotFound).
        guard method.servedOnWebSocket else { return out }
        let base = method.examples.first(where: { $0.error == nil })?.params
            ?? method.examples.first(where: \.paramsValid)?.params
            ?? (method.approval == "gated" ? method.examples.first?.params : nil)
        guard let base else { return out }
        if method.auth != "none" {
            out.append(caseLiteral("\(method.name)/pre-auth", method, setup: ".fresh", request: request(method, params: base, id: !notification),
                                   expect: notification ? ".closes" : ".error(code: -32001, message: nil, mentions: nil, closes: true)"))
        }
        if method.auth == "host" && !notification {
            out.append(caseLiteral("\(method.name)/not-host", method, setup: ".authenticated", request: request(method, params: base),
                                   expect: ".error(code: \(hostRoleCode), message: nil, mentions: \"host_token\", closes: false)"))
        }
        if method.handshake == "required" && !notification {
            let unnegotiated = method.auth == "host" ? ".host" : ".authenticated"
            out.append(caseLiteral("\(method.name)/before-handshake", method, setup: unnegotiated, request: request(method, params: base),
                                   expect: ".error(code: -32005, message: nil, mentions: nil, closes: false)"))
        }
        if method.kind == .request {
            out.append(caseLiteral("\(method.name)/as-notification", method, setup: setup,
                                   request: request(method, params: base, id: false), expect: ".noReply"))
        }
        guard let properties = topLevelProperties(method.params), case .object(let members) = base else { return out }
        for property in properties {
            let field = SwiftWriter.literal("'\(property.name)'")
            let refused = notification ? ".noReply" : ".error(code: \(paramsCode), message: nil, mentions: \(field), closes: false)"
            if property.required {
                let without = SpecJSON.object(members.filter { $0.key != property.name })
                out.append(caseLiteral("\(method.name)/missing:\(property.name)", method, setup: setup,
                                       request: request(method, params: without, id: !notification), expect: refused))
            }
            if let wrong = wrongValue(for: property.schema) {
                let replaced = SpecJSON.object(members.filter { $0.key != property.name } + [(property.name, wrong)])
                out.append(caseLiteral("\(method.name)/wrong-type:\(property.name)", method, setup: setup,
                                       request: request(method, params: replaced, id: !notification), expect: refused))
            }
        }
        return out
    }

    private func topLevelProperties(_ schema: Schema?) -> [SchemaProperty]? {
        guard let schema else { return nil }
        switch schema.kind {
        case .object(let properties): return properties
        case .ref(let name): return topLevelProperties(spec.schemas.first { $0.name == name }?.schema)
        default: return nil
        }
    }

    /// A value of a JSON type the schema does not allow; nil when every type is allowed.
    private func wrongValue(for schema: Schema) -> SpecJSON? {
        switch schema.kind {
        case .any: return nil
        case .ref(let name): return spec.schemas.first { $0.name == name }.flatMap { wrongValue(for: $0.schema) }
        case .string: return .integer(12345)
        case .integer: return .string("not-an-integer")
        case .number: return .string("not-a-number")
        case .boolean: return .string("not-a-boolean")
        case .array: return .string("not-an-array")
        case .object, .dictionary: return .string("not-an-object")
        }
    }

    private func outboundCases(for method: SpecMethod) -> [String] {
        let type = "CarMethods.\(method.typeName)"
        return method.examples.filter { $0.error == nil }.map { example in
            let result = example.result.map { SwiftWriter.literal($0.rendered()) } ?? "nil"
            let decoded = "try JSONValueDecoder().decode(\(type).Params.self, from: params)"
            let call = method.kind == .request
                ? "        return try JSONValueEncoder().encode(try await CarClientProxy(peer: peer).\(method.functionName)(\(decoded)))"
                : "        CarClientProxy(peer: peer).\(method.functionName)(\(decoded))\n        return JSONValue.null"
            return """
                    OutboundCase(name: \(SwiftWriter.literal("\(method.name)/example:\(example.name)")), method: \(SwiftWriter.literal(method.name)), \
                isRequest: \(method.kind == .request), params: \(SwiftWriter.literal(example.params.rendered())), result: \(result)) { peer, params in
                \(call)
                    },
                """
        }
    }
}
