import Testing
@testable import RPCGenCore

/// `"a2a"`: A2A's wire names in the spec. The 0.3 names must be aliases of 1.0 operations the
/// spec also has, the streaming ones get no WebSocket route, and A2A's error codes (which
/// reuse CAR's numbers) stay a table of their own.
@Suite("A2A methods in the spec")
struct A2ASpecTests {
    static func spec() throws -> Spec {
        let (spec, diagnostics) = SpecValidationTests.load(try SpecValidationTests.realSpec())
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return try #require(spec)
    }

    @Test func everyOperationHasBothVersions() throws {
        let methods = try Self.spec().methods.compactMap { method in method.a2a.map { (method.name, $0) } }
        let operations = Set(methods.map(\.1.operation))
        #expect(operations.count == 11)
        for operation in operations {
            let versions = methods.filter { $0.1.operation == operation }.map(\.1.version).sorted()
            #expect(versions == ["0.3", "1.0"], "\(operation): \(versions)")
        }
        #expect(methods.first { $0.0 == "tasks/pushNotificationConfig/set" }?.1.operation == "CreateTaskPushNotificationConfig")
    }

    @Test func streamingNamesHaveNoWebSocketRoute() throws {
        let renderer = ServerRenderer(spec: try Self.spec())
        let routed = Set(renderer.inbound.map(\.name))
        for name in ["SendStreamingMessage", "SubscribeToTask", "message/stream", "tasks/resubscribe"] {
            #expect(!routed.contains(name), "\(name) must answer MethodNotFound on the WebSocket")
        }
        #expect(routed.isSuperset(of: ["SendMessage", "message/send", "GetTask", "tasks/get"]))
        let table = A2ARenderer(spec: try Self.spec()).file()
        #expect(table.contains(#"Entry(name: "message/stream", operation: "SendStreamingMessage", version: "0.3", streams: true)"#))
        #expect(table.contains(#""A2ATaskNotFound": -32001,"#))
    }

    @Test func aliasNeedsItsOperation() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""operation": "GetTask", "version": "0.3""#, with: #""operation": "FetchTask", "version": "0.3""#)
        }
        #expect(messages.contains { $0.contains("method 'tasks/get': no 1.0 method 'FetchTask' to be an alias of") }, "\(messages)")
    }

    @Test func namesFollowA2ASpelling() throws {
        let pascal = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""name": "GetTask","#, with: #""name": "getTask","#)
        }
        #expect(pascal.contains { $0.contains("a 1.0 A2A method is named for its operation ('GetTask')") }, "\(pascal)")
        let slash = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""name": "tasks/get","#, with: #""name": "tasks.get","#)
        }
        #expect(slash.contains { $0.contains("a 0.3 A2A name is lowerCamel words separated by '/'") }, "\(slash)")
    }

    @Test func streamingMustMatchBetweenVersions() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""operation": "SendStreamingMessage", "version": "0.3", "streams": true"#,
                                    with: #""operation": "SendStreamingMessage", "version": "0.3""#)
        }
        #expect(messages.contains { $0.contains("method 'message/stream': streams must match 'SendStreamingMessage'") }, "\(messages)")
    }

    @Test func a2aErrorNamesStayApartFromCARs() throws {
        let messages = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""A2AVersionNotSupported": { "code": -32009"#, with: #""ContentRefused": { "code": -32009"#)
        }
        #expect(messages.contains { $0.contains("'ContentRefused' is already a CAR error; A2A errors take names of their own") }, "\(messages)")
        // Only an A2A method may name A2A's errors.
        let misuse = try SpecValidationTests.mutated {
            $0.replacingOccurrences(of: #""errors": ["InternalError"],"#, with: #""errors": ["A2ATaskNotFound"],"#)
        }
        #expect(misuse.contains { $0.contains("unknown error 'A2ATaskNotFound'") }, "\(misuse)")
    }
}
