/// Stage 3 for the server surface: one function per generated file, all from the same model.
struct ServerRenderer {
    let spec: Spec
    let translator = TypeTranslator()

    /// The methods the WebSocket routes: every client→server method but A2A's streaming ones.
    var inbound: [SpecMethod] { spec.methods.filter { $0.direction == .clientToServer && $0.servedOnWebSocket } }
    var outbound: [SpecMethod] { spec.methods.filter { $0.direction == .serverToClient } }

    func files(openRPC: String) -> [(name: String, contents: String)] {
        [
            ("Schemas.swift", schemas()),
            ("Methods.swift", methods()),
            ("Errors.swift", errors()),
            ("ServerHandler.swift", serverHandler()),
            ("Dispatch.swift", dispatch()),
            ("ClientProxy.swift", clientProxy()),
            ("Discovery.swift", discovery(openRPC: openRPC)),
            ("A2AMethods.swift", A2ARenderer(spec: spec).file()),
        ]
    }

    func schemas() -> String {
        var w = SwiftWriter.header("Shared types named in #/components/schemas.", imports: ["CarRPC"])
        w.doc(["Types shared between methods (`$ref: #/components/schemas/<Name>`)."])
        w.block("public enum CarSchemas") { w in
            for (index, entry) in spec.schemas.enumerated() {
                if index > 0 { w.line() }
                DeclRenderer.render(translator.declaration(named: entry.name, for: entry.schema,
                                                           remark: "#/components/schemas/\(entry.name)"), into: &w)
            }
        }
        return w.text
    }

    func methods() -> String {
        var w = SwiftWriter.header("One type per method: its descriptor, params and result.", imports: ["CarRPC"])
        w.doc(["Every method in the spec, in both directions."])
        w.block("public enum CarMethods") { w in
            for method in spec.methods {
                renderMethod(method, into: &w)
                w.line()
            }
            w.doc(["The descriptors of every method, sorted by name (introspection, `rpc.discover`)."])
            w.line("public static let all: [MethodDescriptor] = [")
            for method in spec.methods.sorted(by: { $0.name < $1.name }) { w.line("    \(method.typeName).descriptor,") }
            w.line("]")
        }
        return w.text
    }

    private func renderMethod(_ method: SpecMethod, into w: inout SwiftWriter) {
        var doc = [method.summary]
        if let description = method.description { doc += ["", description] }
        doc.append("- Remark: Generated from \(method.pointer) (`\(method.name)`)")
        w.doc(doc)
        if method.deprecated { w.line("@available(*, deprecated)") }
        let conformance = method.kind == .request ? "RPCRequestMethod" : "RPCNotificationMethod"
        w.block("public enum \(method.typeName): \(conformance)") { w in
            w.line("public static let descriptor = MethodDescriptor(")
            w.line("    name: \(SwiftWriter.literal(method.name)),")
            w.line("    kind: .\(method.kind.rawValue),")
            w.line("    direction: .\(method.direction.rawValue),")
            w.line("    summary: \(SwiftWriter.literal(method.summary)),")
            w.line("    auth: .\(method.auth),")
            w.line("    approval: .\(method.approval),")
            w.line("    handshake: .\(method.handshake),")
            w.line("    deadlineMilliseconds: \(method.deadlineMs.map(String.init) ?? "nil"),")
            let codes = method.errors.compactMap { spec.code(ofError: $0) }
            w.line("    errorCodes: [\(codes.map(String.init).joined(separator: ", "))],")
            if let paramsError = method.paramsError, let code = spec.errors.first(where: { $0.name == paramsError.error })?.code {
                w.line("    paramsErrorCode: \(code),")
                w.line("    paramsErrorPrefix: \(paramsError.prefix.map(SwiftWriter.literal) ?? "nil")")
            } else {
                w.line("    paramsErrorCode: nil")
            }
            w.line(")")
            w.line()
            if let params = method.params {
                DeclRenderer.render(translator.declaration(named: "Params", for: params, remark: "\(method.pointer)/params"), into: &w)
            } else {
                w.line("public typealias Params = NoParams")
            }
            if method.kind == .request, let result = method.result {
                w.line()
                DeclRenderer.render(translator.declaration(named: "Result", for: result, remark: "\(method.pointer)/result"), into: &w)
            }
        }
    }

    func errors() -> String {
        var w = SwiftWriter.header("The error codes of #/components/errors.", imports: ["CarRPC"])
        w.doc(["Errors a handler may answer with. Each builds an `RPCError` whose message starts with",
               "the spec's text, so handlers never spell a code."])
        w.block("public enum CarErrors") { w in
            for (index, error) in spec.errors.enumerated() {
                if index > 0 { w.line() }
                w.doc((error.description.map { [$0] } ?? []) + ["Code \(error.code), \"\(error.message): <detail>\"."])
                let member = SwiftNames.lowerFirst(error.name)
                w.line("public static let \(member)Code = \(error.code)")
                w.block("public static func \(member)(_ detail: String? = nil, data: JSONValue? = nil) -> RPCError") { w in
                    w.line("RPCError(code: \(error.code), message: detail.map { \(SwiftWriter.literal(error.message + ": ")) + $0 } ?? \(SwiftWriter.literal(error.message)), data: data)")
                }
            }
        }
        return w.text
    }

    func serverHandler() -> String {
        var w = SwiftWriter.header("The protocol hand-written handlers implement.", imports: ["CarRPC"])
        w.doc(["One requirement per client→server method. Auth, handshake, params decoding and approval",
               "are enforced by the dispatcher before a requirement is called; a handler only does the work."])
        w.block("public protocol CarServerHandler: Sendable") { w in
            w.doc(["The per-connection session handlers receive in their context."])
            w.line("associatedtype Session: RPCSession")
            for method in inbound {
                w.line()
                var doc = [method.summary]
                doc.append("- Remark: `\(method.name)` (\(method.kind.rawValue)), auth: \(method.auth), handshake: \(method.handshake), approval: \(method.approval). Generated from \(method.pointer)")
                if method.inline {
                    doc.append("- Note: inline: runs on the connection's event loop as the frame is read, so it must return promptly and never block.")
                }
                w.doc(doc)
                let returns = method.kind == .request ? " -> CarMethods.\(method.typeName).Result" : ""
                let effects = method.inline ? "throws" : "async throws"
                w.line("func \(method.functionName)(_ params: CarMethods.\(method.typeName).Params, context: RPCContext<Session>) \(effects)\(returns)")
            }
        }
        return w.text
    }

    func dispatch() -> String {
        var w = SwiftWriter.header("The dispatch table: one route per client→server method.", imports: ["CarRPC"])
        w.block("extension CarServerHandler") { w in
            w.doc(["Routes for every client→server method, each decoding its `Params`, calling the",
                   "handler and encoding its `Result`. Policy metadata travels in each descriptor."])
            w.block("public var routes: [RPCRoute<Session>]") { w in
                w.line("[")
                for method in inbound {
                    if method.inline {
                        w.line("    RPCRoute(CarMethods.\(method.typeName).self, inline: { try self.\(method.functionName)($0, context: $1) }),")
                    } else {
                        w.line("    RPCRoute(CarMethods.\(method.typeName).self) { try await self.\(method.functionName)($0, context: $1) },")
                    }
                }
                w.line("]")
            }
            w.line()
            w.doc(["A dispatcher enforcing the spec's policy for this handler."])
            w.block("public func makeDispatcher(approvals: (any ApprovalGatekeeper)? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) -> RPCDispatcher<Session>") { w in
                w.line("RPCDispatcher(routes: routes, approvals: approvals, log: log)")
            }
        }
        return w.text
    }

    func clientProxy() -> String {
        var w = SwiftWriter.header("Typed server→client calls.", imports: ["CarRPC"])
        w.doc(["Calls into the client on the other end of a connection. Requests are awaited until",
               "the client answers (a JSON-RPC error from it is thrown as `RPCError`)."])
        w.block("public struct CarClientProxy: Sendable") { w in
            w.line("public let peer: any RPCPeer")
            w.line()
            w.line("public init(peer: any RPCPeer) { self.peer = peer }")
            w.line()
            w.doc(["An id for the next request, for params that must carry it (`request_id`)."])
            w.line("public func nextCallID() -> RPCID { peer.nextCallID() }")
            for method in outbound {
                w.line()
                w.doc([method.summary, "- Remark: Generated from \(method.pointer) (`\(method.name)`)"])
                if method.deprecated { w.line("@available(*, deprecated)") }
                let type = "CarMethods.\(method.typeName)"
                if method.kind == .request {
                    w.block("public func \(method.functionName)(_ params: \(type).Params, id: RPCID? = nil, timeout: Duration? = nil) async throws -> \(type).Result") { w in
                        w.line("try await RPCOutbound.call(\(type).self, params, id: id, timeout: timeout, on: peer)")
                    }
                } else {
                    w.block("public func \(method.functionName)(_ params: \(type).Params)") { w in
                        w.line("RPCOutbound.notify(\(type).self, params, on: peer)")
                    }
                    w.line()
                    w.doc(["The same notification to every peer in `peers`, serialized once."])
                    if method.deprecated { w.line("@available(*, deprecated)") }
                    w.block("public static func \(method.functionName)(_ params: \(type).Params, to peers: some Sequence<any RPCPeer>)") { w in
                        w.line("RPCOutbound.broadcast(\(type).self, params, to: peers)")
                    }
                }
            }
        }
        w.line()
        w.block("extension RPCContext") { w in
            w.doc(["The client that sent this call, for server→client requests and notifications."])
            w.line("public var client: CarClientProxy { CarClientProxy(peer: session.peer) }")
        }
        return w.text
    }

    func discovery(openRPC: String) -> String {
        var w = SwiftWriter.header("What the spec says about itself: versions and the OpenRPC document.", imports: ["CarRPC"])
        w.block("public enum CarSpecInfo") { w in
            w.line("public static let title = \(SwiftWriter.literal(spec.info.title))")
            w.doc(["The CAR release level this daemon implements (`info.carRelease`), reported as",
                   "`server.handshake`'s `server_version`: the official clients compare it with their own",
                   "version and print a version-skew notice when they differ."])
            w.line("public static let serverVersion = \(SwiftWriter.literal(spec.info.carRelease))")
            w.doc(["Which daemon this is (`info.implementation`), in `--version`, the startup line and the handshake."])
            w.line("public static let implementationName = \(SwiftWriter.literal(spec.info.implementation))")
            w.doc(["This implementation's own version (`info.version`), in `--version`, the startup line and the handshake."])
            w.line("public static let implementationVersion = \(SwiftWriter.literal(spec.info.version))")
            w.doc(["The newest wire protocol version the server speaks."])
            w.line("public static let wireProtocol = \(spec.info.wireProtocol)")
            w.doc(["Every wire protocol version a client may negotiate."])
            w.line("public static let supportedWireProtocols: [Int] = [\(spec.info.supportedWireProtocols.map(String.init).joined(separator: ", "))]")
            w.doc(["FNV-1a 64 of the OpenRPC text: changes whenever the published contract changes."])
            w.line("public static let fingerprint = \(SwiftWriter.literal(Fingerprint.fnv1a64(openRPC)))")
            w.doc(["The OpenRPC 1.3 document for client→server methods (`car-server spec`, `rpc.discover`)."])
            w.line("public static let openRPCJSON = ##\"\"\"")
            for line in openRPC.split(separator: "\n", omittingEmptySubsequences: false) { w.line(String(line)) }
            w.line("\"\"\"##")
        }
        return w.text
    }
}

enum Fingerprint {
    static func fnv1a64(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
