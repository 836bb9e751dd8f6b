
import CarJSON
import CarRPC
import Synchronization
import CarIO
import Testing
@testable import CarMCP
@testable import CarHTTP

/// The endpoint's rules without sockets: an in-memory exchange and a backend whose calls wait
/// until a test lets them go, so cancellation and the per-session bounds can be watched.
@Suite("mcp: endpoint rules")
struct MCPEndpointUnitTests {
    final class Exchange: HTTPExchange, HTTPEventSink, @unchecked Sendable {
        let request: HTTPRequest
        let peerDescription = "test"
        private let state = Mutex<(response: HTTPResponse?, events: [SSEEvent], ended: Bool, cancel: [@Sendable () -> Void], streaming: Bool)>((nil, [], false, [], false))

        init(_ method: String = "POST", headers: HTTPHeaders, body: String = "") {
            let head = HTTPRequestHead(method: method, target: "/mcp", path: "/mcp", query: nil, version: .http1_1, headers: headers,
                                       bodyFraming: .length(body.utf8.count), keepAlive: true, expectsContinue: false)
            request = HTTPRequest(head: head, body: Array(body.utf8))
        }

        var response: HTTPResponse? { state.withLock { $0.response } }
        var isOpen: Bool { state.withLock { $0.streaming && !$0.ended } }

        func respond(_ response: HTTPResponse) { state.withLock { if $0.response == nil { $0.response = response } } }
        func openEventStream(headers: HTTPHeaders) -> (any HTTPEventSink)? {
            state.withLock { $0.streaming = true }
            return self
        }
        func send(_ events: [SSEEvent]) { state.withLock { $0.events += events } }
        func end() { state.withLock { $0.ended = true } }
        func onCancel(_ body: @escaping @Sendable () -> Void) { state.withLock { $0.cancel.append(body) } }
        func clientLeft() { for body in state.withLock({ $0.cancel }) { body() } }

        func json() throws -> JSONValue { try JSONParser.parse(response?.body ?? []) }
    }

    final class Backend: MCPBackend {
        final class Session: MCPBackendSession {}
        let opened = Atomic<Int>(0)
        let closed = Atomic<Int>(0)
        let cancelled = Atomic<Int>(0)
        let started = Atomic<Int>(0)

        func openSession(id: String) -> (any MCPBackendSession)? {
            opened.add(1, ordering: .relaxed)
            return Session()
        }

        func call(method: String, arguments: JSONValue?, requestID: RPCID, in session: any MCPBackendSession) async -> Result<JSONValue, RPCError> {
            started.add(1, ordering: .relaxed)
            if method == "slow" {
                // Runs until cancelled.
                while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
                cancelled.add(1, ordering: .relaxed)
                return .failure(RPCError(code: -1, message: "cancelled"))
            }
            return .success(arguments ?? .null)
        }

        func closeSession(_ session: any MCPBackendSession) { closed.add(1, ordering: .relaxed) }
    }

    static let tools = [
        MCPToolDescriptor(name: "echo", method: "echo", description: "Echoes.", inputSchema: .object(["type": "object"]),
                          outputSchema: .object(["type": "object"]), wrapsResult: false, readOnly: true),
        MCPToolDescriptor(name: "slow", method: "slow", description: "Waits.", inputSchema: .object(["type": "object"]),
                          outputSchema: nil, wrapsResult: false, readOnly: nil),
    ]

    struct Fixture {
        let backend = Backend()
        let endpoint: MCPEndpoint

        init(configure: (inout MCPEndpointConfig) -> Void = { _ in }) {
            var config = MCPEndpointConfig(authToken: nil, serverVersion: "test")
            configure(&config)
            endpoint = MCPEndpoint(backend: backend, tools: MCPEndpointUnitTests.tools, config: config)
        }

        func post(_ body: String, session: String? = nil) -> Exchange {
            var headers: HTTPHeaders = ["Content-Type": "application/json", "Accept": "application/json"]
            if let session { headers.add("Mcp-Session-Id", session) }
            let exchange = Exchange(headers: headers, body: body)
            endpoint.handle(exchange)
            return exchange
        }

        func initialize() throws -> String {
            let exchange = post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}"#)
            return try #require(exchange.response?.headers["Mcp-Session-Id"])
        }
    }

    static func wait(_ condition: () -> Bool) async {
        for _ in 0..<500 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aCancelledCallIsStoppedAndStillAnswered() async throws {
        let fixture = Fixture()
        let session = try fixture.initialize()
        let call = fixture.post(#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"slow","arguments":{}}}"#, session: session)
        await Self.wait { fixture.backend.started.load(ordering: .relaxed) == 1 }
        let note = fixture.post(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"user"}}"#, session: session)
        #expect(note.response?.status == 202)
        await Self.wait { call.response != nil }
        #expect(fixture.backend.cancelled.load(ordering: .relaxed) == 1)
        #expect(try call.json()["error"]?["code"] == -32800)
    }

    @Test func aCallDiesWithItsClient() async throws {
        let fixture = Fixture()
        let session = try fixture.initialize()
        let call = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        await Self.wait { fixture.backend.started.load(ordering: .relaxed) == 1 }
        call.clientLeft()
        await Self.wait { fixture.backend.cancelled.load(ordering: .relaxed) == 1 }
        #expect(fixture.backend.cancelled.load(ordering: .relaxed) == 1)
    }

    @Test func endingASessionCancelsItsCallsAndClosesTheDaemonSession() async throws {
        let fixture = Fixture()
        let session = try fixture.initialize()
        let call = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        await Self.wait { fixture.backend.started.load(ordering: .relaxed) == 1 }
        let delete = Exchange("DELETE", headers: ["Mcp-Session-Id": session])
        fixture.endpoint.handle(delete)
        #expect(delete.response?.status == 200)
        await Self.wait { fixture.backend.cancelled.load(ordering: .relaxed) == 1 }
        #expect(fixture.backend.cancelled.load(ordering: .relaxed) == 1)
        #expect(fixture.backend.closed.load(ordering: .relaxed) == 1)
        // The POST still gets its answer.
        await Self.wait { call.response != nil }
        #expect(try call.json()["error"]?["code"] == -32800)
    }

    @Test func callsPerSessionAndRunningIdsAreBounded() async throws {
        let fixture = Fixture { $0.maxCallsPerSession = 2 }
        let session = try fixture.initialize()
        _ = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        let twin = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        #expect(try twin.json()["error"]?["code"] == -32600)
        _ = fixture.post(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        let third = fixture.post(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        #expect(try third.json()["error"]?["message"]?.stringValue?.contains("too many calls") == true)
        fixture.endpoint.shutdown()
        await Self.wait { fixture.backend.cancelled.load(ordering: .relaxed) == 2 }
        #expect(fixture.backend.cancelled.load(ordering: .relaxed) == 2)
    }

    @Test func whenEverySessionIsBusyANewOneIsRefused() async throws {
        let fixture = Fixture { $0.maxSessions = 1 }
        let session = try fixture.initialize()
        _ = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}"#, session: session)
        await Self.wait { fixture.backend.started.load(ordering: .relaxed) == 1 }
        let refused = fixture.post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#)
        #expect(refused.response?.status == 503)
        #expect(fixture.backend.opened.load(ordering: .relaxed) == 2)
        #expect(fixture.backend.closed.load(ordering: .relaxed) == 1)
        fixture.endpoint.shutdown()
    }

    @Test func resultsCarryTextAndStructuredContent() async throws {
        let fixture = Fixture()
        let session = try fixture.initialize()
        let call = fixture.post(#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"a":1}}}"#, session: session)
        await Self.wait { call.response != nil }
        let result = try call.json()["result"]
        #expect(result?["isError"] == false)
        #expect(result?["structuredContent"] == .object(["a": 1]))
        #expect(result?["content"]?[0]?["text"] == #"{"a":1}"#)
        let list = fixture.post(#"{"jsonrpc":"2.0","id":5,"method":"tools/list"}"#, session: session)
        let tools = try list.json()["result"]?["tools"]?.arrayValue ?? []
        #expect(tools.map { $0["name"] } == ["echo", "slow"])
        #expect(tools[0]["annotations"]?["readOnlyHint"] == true)
        #expect(tools[1]["outputSchema"] == nil)
    }

    @Test func expiryNeverEndsASessionUsedAfterTheSweepLooked() throws {
        let fixture = Fixture { $0.sessionIdleTimeout = 0 }
        let session = try fixture.initialize()
        // The sweep reads the clock, then the session is used, then the sweep looks.
        let sweepStarted = MonotonicClock.nanoseconds()
        _ = fixture.post(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#, session: session)
        #expect(fixture.endpoint.sessions.expire(idleFor: 0, now: sweepStarted).isEmpty)
        #expect(fixture.endpoint.sessions.count == 1)
    }

    @Test func afterShutdownNoSessionIsOpened() {
        let fixture = Fixture()
        fixture.endpoint.shutdown()
        let refused = fixture.post(#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"#)
        #expect(refused.response?.status == 503)
        #expect(fixture.backend.opened.load(ordering: .relaxed) == 0)
    }

    @Test func acceptHeadersAreRead() {
        #expect(MCPAccept(["Accept": "application/json;q=0, text/event-stream"])?.json == false)
        #expect(MCPAccept(["Accept": "*/*"])?.json == true)
        #expect(MCPAccept([:])?.eventStream == true)
        #expect(MCPAccept(["Accept": "text/html"]).map { $0.json || $0.eventStream } == false)
    }
}
