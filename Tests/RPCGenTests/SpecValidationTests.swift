import Foundation
import Testing
@testable import RPCGenCore

/// The generator's first stage: a malformed spec must fail with a message that names the
/// file position, the method and the problem, and report every problem at once.
@Suite("spec validation")
struct SpecValidationTests {
    static let specPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("spec/methods.json").path

    static func load(_ text: String) -> (Spec?, [String]) {
        var reader = SpecJSONReader(Array(text.utf8))
        guard let document = try? reader.read() else { return (nil, ["unreadable"]) }
        let diagnostics = DiagnosticCollector(positions: reader.positions)
        let spec = SpecParser(document: document, diagnostics: diagnostics).parse()
        return (spec, diagnostics.diagnostics.sorted().map { $0.rendered(file: "spec/methods.json") })
    }

    static func realSpec() throws -> String {
        try String(contentsOfFile: specPath, encoding: .utf8)
    }

    /// The real spec with one method's text replaced, keeping everything else valid.
    static func mutated(_ transform: (String) -> String) throws -> [String] {
        load(transform(try realSpec())).1
    }

    @Test func theProjectSpecIsValid() throws {
        let (spec, diagnostics) = Self.load(try Self.realSpec())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(spec?.methods.contains { $0.name == "session.auth" } == true)
    }

    @Test func unknownRefNamesMethodAndLine() throws {
        let messages = try Self.mutated {
            $0.replacingOccurrences(of: ##""$ref": "#/components/schemas/HandshakeResult""##,
                                    with: ##""$ref": "#/components/schemas/Nope""##)
        }
        let line = try #require(messages.first { $0.contains("unknown $ref") })
        #expect(line.hasPrefix("spec/methods.json:"))
        #expect(line.contains("#/methods/1/result/$ref"))
        #expect(line.contains(": error: "))
    }

    @Test func badAuthValueNamesTheMethod() throws {
        let messages = try Self.mutated { $0.replacingOccurrences(of: #""auth": "none""#, with: #""auth": "everyone""#) }
        #expect(messages.contains { $0.contains("method 'session.auth': auth must be one of") })
    }

    @Test func exampleThatViolatesTheSchemaIsRejected() throws {
        let messages = try Self.mutated {
            $0.replacingOccurrences(of: #""result": { "protocol_version": 3, "server_version": "0.58.0""#,
                                    with: #""result": { "protocol_version": "3", "server_version": "0.58.0""#)
        }
        #expect(messages.contains { $0.contains("method 'server.handshake': example 'v3': result.protocol_version must be an integer") })
    }

    /// server_version is compared by the official clients as a release number with their own
    /// version; a suffix such as "-swift" makes them warn on every connection.
    @Test func carReleaseMustBeAPlainReleaseNumber() throws {
        for bad in ["0.58.0-swift", "0.58", "v0.58.0", ""] {
            let messages = try Self.mutated { $0.replacingOccurrences(of: #""carRelease": "0.58.0""#, with: #""carRelease": "\#(bad)""#) }
            #expect(messages.contains { $0.contains("#/info/carRelease") && $0.contains("MAJOR.MINOR.PATCH") }, "\(bad): \(messages)")
        }
        let missing = try Self.mutated { $0.replacingOccurrences(of: "\"implementation\": \"car-server-swift\",\n    \"carRelease\"", with: "\"carRelease\"") }
        #expect(missing.contains { $0.contains("info.implementation") })
    }

    @Test func everyProblemIsReportedNotJustTheFirst() throws {
        let messages = try Self.mutated {
            $0.replacingOccurrences(of: #""kind": "request""#, with: #""kind": "request", "bogus": 1"#)
        }
        #expect(messages.filter { $0.contains("unknown method member 'bogus'") }.count >= 4)
    }

    @Test func duplicateMethodNamesAreRejected() throws {
        let messages = try Self.mutated { $0.replacingOccurrences(of: #""name": "server.ping""#, with: #""name": "server.handshake""#) }
        #expect(messages.contains { $0.contains("method 'server.handshake' is already defined") })
    }

    @Test func twoSpellingsOfOneFieldNeedASwiftName() throws {
        let messages = try Self.mutated {
            $0.replacingOccurrences(of: #""surface_id": { "type": "string", "x-swift-name": "snakeSurfaceId", "description": "The same, as the 0.58 client's a2ui_get sends it." }"#,
                                    with: #""surface_id": { "type": "string" }"#)
        }
        #expect(messages.contains { $0.contains("properties 'surfaceId' and 'surface_id' both map to the Swift name surfaceId; set x-swift-name") }, "\(messages)")
    }

    @Test func aSwiftNameMustBeAnIdentifier() throws {
        for bad in [#""""#, #""2x""#, #""a-b""#, "7"] {
            let messages = try Self.mutated { $0.replacingOccurrences(of: #""x-swift-name": "snakeSurfaceId", "description": "The same, as the 0.58 client's a2ui_get"#,
                                                                      with: #""x-swift-name": "# + bad + #", "description": "The same, as the 0.58 client's a2ui_get"#) }
            #expect(messages.contains { $0.contains("x-swift-name must be a Swift identifier") }, "\(bad): \(messages)")
        }
    }

    @Test func serverToClientMethodsCannotCarryAuth() throws {
        let messages = try Self.mutated {
            $0.replacingOccurrences(of: #""direction": "serverToClient","#, with: #""direction": "serverToClient", "auth": "host","#)
        }
        #expect(messages.contains { $0.contains("method 'tools.execute': auth applies to client-to-server methods only") })
    }

    @Test func runtimeErrorCodesMustMatch() throws {
        let messages = try Self.mutated { $0.replacingOccurrences(of: #""code": -32001"#, with: #""code": -32050"#) }
        #expect(messages.contains { $0.contains("'AuthRequired' must be -32001") })
    }

    @Test func invalidJSONReportsLineAndColumn() {
        let (spec, messages) = Self.load("{\n  \"methods\": [,]\n}")
        #expect(spec == nil)
        #expect(messages == ["unreadable"])
        var reader = SpecJSONReader(Array("{\n  \"methods\": [,]\n}".utf8))
        do {
            _ = try reader.read()
            Issue.record("expected a parse failure")
        } catch {
            #expect(error.line == 2)
        }
    }

    @Test func generationIsDeterministic() throws {
        let (spec, _) = Self.load(try Self.realSpec())
        let model = try #require(spec)
        let openRPC = OpenRPCExporter(spec: model).document().rendered(indent: 2)
        let first = ServerRenderer(spec: model).files(openRPC: openRPC).map(\.contents)
        let second = ServerRenderer(spec: Self.load(try Self.realSpec()).0!).files(openRPC: openRPC).map(\.contents)
        #expect(first == second)
        // No clock or environment leaks into the output: a second export is byte-identical.
        let again = OpenRPCExporter(spec: try #require(Self.load(try Self.realSpec()).0)).document().rendered(indent: 2)
        #expect(openRPC == again)
    }

    @Test func openRPCCarriesCarSemanticsInExtensions() throws {
        let (spec, _) = Self.load(try Self.realSpec())
        let document = OpenRPCExporter(spec: try #require(spec)).document()
        let methods = try #require(document["methods"]?.array)
        let names = methods.compactMap { $0["name"]?.string }
        #expect(names.contains("rpc.discover"))
        #expect(!names.contains("tools.execute"), "server→client methods are listed apart")
        let auth = try #require(methods.first { $0["name"]?.string == "session.auth" })
        #expect(auth["x-auth"]?.string == "none")
        #expect(auth["paramStructure"]?.string == "by-name")
        let outbound = document["x-server-to-client-methods"]?.array?.compactMap { $0["name"]?.string } ?? []
        #expect(Set(outbound) == ["tools.execute", "tools.cancel", "host.event", "agent.chat", "agent.chat.cancel", "agent.chat.approve", "agents.chat.event",
                                  "a2ui.event"])
    }

    @Test func inlineHandlersCannotWait() throws {
        let gated = try Self.mutated {
            $0.replacingOccurrences(of: #""summary": "Recognize text in an image on this machine (Tesseract when it is on PATH).","#,
                                    with: #""summary": "Recognize text in an image on this machine (Tesseract when it is on PATH).", "inline": true,"#)
        }
        #expect(gated.contains { $0.contains("method 'vision.ocr': an approval-gated method waits, so it cannot be inline") }, "\(gated)")
        let timed = try Self.mutated {
            $0.replacingOccurrences(of: #""inline": true,"#, with: #""inline": true, "deadlineMs": 5,"#)
        }
        #expect(timed.contains { $0.contains("method 'server.ping': an inline handler has no deadline to set") }, "\(timed)")
    }

    @Test func inlineMethodsGetSynchronousRequirementsAndRoutes() throws {
        let (spec, _) = Self.load(try Self.realSpec())
        let model = try #require(spec)
        let files = ServerRenderer(spec: model).files(openRPC: "{}")
        let handler = try #require(files.first { $0.name == "ServerHandler.swift" }?.contents)
        #expect(handler.contains("func serverPing(_ params: CarMethods.ServerPing.Params, context: RPCContext<Session>) throws -> CarMethods.ServerPing.Result"))
        #expect(handler.contains("func proposalSubmit(_ params: CarMethods.ProposalSubmit.Params, context: RPCContext<Session>) async throws"))
        let dispatch = try #require(files.first { $0.name == "Dispatch.swift" }?.contents)
        #expect(dispatch.contains("RPCRoute(CarMethods.ServerPing.self, inline: { try self.serverPing($0, context: $1) })"))
        let openRPC = OpenRPCExporter(spec: model).document()
        let ping = try #require(openRPC["methods"]?.array?.first { $0["name"]?.string == "server.ping" })
        #expect(ping["x-inline"]?.bool == true)
    }
}
