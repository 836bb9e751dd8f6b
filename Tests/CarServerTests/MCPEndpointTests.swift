import CarHandlers
import CarHTTP
import CarRPC
import CarTestSupport
import Glibc
import Testing
@testable import CarServer

/// The MCP endpoint of an assembled daemon over real sockets: the transport's session and
/// header rules, bearer auth, tools from the spec, the shared graph with WebSocket clients,
/// the standalone stream and the session bounds. (The official SDK clients are driven by
/// scripts/mcp/acceptance.py.)
@Suite("daemon: MCP endpoint")
struct MCPEndpointTests {
    static let token = "mcp-test-token"

    final class Running: Sendable {
        let daemon: CarDaemon
        let wsPort: Int
        let mcpPort: Int

        init(authToken: String? = MCPEndpointTests.token, configure: (inout MCPConfiguration) -> Void = { _ in }) throws {
            var mcp = MCPConfiguration(http: HTTPServerConfig(port: 0), required: true)
            configure(&mcp)
            daemon = CarDaemon(configuration: DaemonConfiguration(
                transport: TransportConfig(port: 0),
                // The default memory mode: one shared graph for MCP and WebSocket sessions.
                state: ServerStateConfig(authToken: authToken, hostToken: nil, journalDirectory: EchoServer.temporaryDirectory()),
                logger: Logger(minimum: .error), mcp: mcp))
            let addresses = try daemon.start()
            wsPort = addresses.tcpPort
            let url = try #require(addresses.mcpURL)
            mcpPort = try #require(Int(url.split(separator: ":").last?.split(separator: "/").first ?? ""))
            #expect(daemon.state.mcpURL == url)
        }

        func client() throws -> MCPTestSession { MCPTestSession(try HTTPTestClient(port: mcpPort)) }

        var sessions: Int { daemon.state.mcpSessions?.sessionCount ?? -1 }

        func stop() { daemon.shutdown() }
    }

    /// One HTTP connection speaking MCP, with the headers the SDK clients send.
    final class MCPTestSession {
        let http: HTTPTestClient
        var sessionID: String?
        var version = "2025-11-25"
        var token: String? = MCPEndpointTests.token
        private var nextID = 1

        init(_ http: HTTPTestClient) { self.http = http }

        func headers(_ extra: [(String, String)] = []) -> [(String, String)] {
            var headers = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
            if let token { headers.append(("Authorization", "Bearer \(token)")) }
            if let sessionID {
                headers.append(("Mcp-Session-Id", sessionID))
                headers.append(("MCP-Protocol-Version", version))
            }
            return headers + extra
        }

        func post(_ body: String, _ extra: [(String, String)] = []) throws -> HTTPTestClient.Response {
            try http.request("POST", "/mcp", headers: headers(extra), body: body)
        }

        func rpc(_ method: String, _ params: String = "{}") throws -> (HTTPTestClient.Response, JSONValue) {
            nextID += 1
            let response = try post(#"{"jsonrpc":"2.0","id":\#(nextID),"method":"\#(method)","params":\#(params)}"#)
            return (response, try JSONParser.parse(response.text))
        }

        @discardableResult
        func initialize(requesting version: String = "2025-11-25") throws -> JSONValue {
            let (response, body) = try rpc("initialize", #"{"protocolVersion":"\#(version)","capabilities":{},"clientInfo":{"name":"test","version":"1"}}"#)
            #expect(response.status == 200)
            sessionID = response.header("mcp-session-id")
            self.version = body["result"]?["protocolVersion"]?.stringValue ?? version
            _ = try post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
            return body
        }

        func callTool(_ name: String, _ arguments: String) throws -> JSONValue {
            let (response, body) = try rpc("tools/call", #"{"name":"\#(name)","arguments":\#(arguments)}"#)
            #expect(response.status == 200)
            return body
        }

        func close() { http.close() }
    }

    @Test func healthAnswersWithoutASession() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try HTTPTestClient(port: running.mcpPort)
        defer { client.close() }
        let health = try client.request("GET", "/mcp/health")
        #expect(health.status == 200)
        let body = try JSONParser.parse(health.text)
        #expect(body["status"] == "ok")
        #expect(try client.request("GET", "/elsewhere").status == 404)
    }

    @Test func theBearerTokenIsRequiredWhenAuthIsOn() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        client.token = nil
        let missing = try client.post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        #expect(missing.status == 401)
        #expect(missing.header("www-authenticate")?.hasPrefix("Bearer") == true)
        client.token = "wrong"
        let wrong = try client.post(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#)
        #expect(wrong.status == 401)
        #expect(wrong.header("www-authenticate")?.contains("invalid_token") == true)
        #expect(!wrong.text.contains(MCPEndpointTests.token))
        #expect(running.sessions == 0)
        client.token = MCPEndpointTests.token
        try client.initialize()
        #expect(client.sessionID != nil)
    }

    @Test func withAuthOffNoTokenIsAsked() throws {
        let running = try Running(authToken: nil)
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        client.token = nil
        try client.initialize()
        #expect(try client.rpc("ping").1["result"] == .object([:]))
    }

    @Test func versionsAreNegotiated() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        #expect(try client.initialize(requesting: "2025-06-18")["result"]?["protocolVersion"] == "2025-06-18")
        #expect(try client.initialize(requesting: "2024-01-01")["result"]?["protocolVersion"] == "2025-11-25")
        // A header naming a version we lack is 400; none at all means 2025-03-26.
        client.version = "1999-01-01"
        #expect(try client.rpc("ping").0.status == 400)
        let bare = try client.http.request("POST", "/mcp", headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.token)"),
                                                                       ("Mcp-Session-Id", client.sessionID ?? "")],
                                           body: #"{"jsonrpc":"2.0","id":9,"method":"ping"}"#)
        #expect(bare.status == 200)
    }

    @Test func theStatelessProbeIsAnsweredAtOnceWithoutASession() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        let probe = try client.post(#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
                                    [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "server/discover")])
        #expect(probe.status == 400)
        #expect(probe.header("mcp-session-id") == nil)
        #expect(try JSONParser.parse(probe.text)["error"]?["message"]?.stringValue?.contains("Missing session ID") == true)
        #expect(running.sessions == 0)
    }

    @Test func sessionRulesFollowTheTransportSpec() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.initialize()
        let id = try #require(client.sessionID)
        #expect(running.sessions == 1)
        // Notifications and responses: 202, no body.
        let note = try client.post(#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}"#)
        #expect(note.status == 202 && note.body.isEmpty)
        #expect(try client.post(#"{"jsonrpc":"2.0","id":5,"result":{}}"#).status == 202)
        // Unknown methods are JSON-RPC errors in a 200, so clients keep their session.
        let unknown = try client.rpc("resources/list")
        #expect(unknown.0.status == 200)
        #expect(unknown.1["error"]?["code"] == -32601)
        // Wrong media types.
        #expect(try client.http.request("POST", "/mcp", headers: client.headers().filter { $0.0 != "Content-Type" } + [("Content-Type", "text/plain")],
                                        body: "{}").status == 415)
        #expect(try client.http.request("POST", "/mcp", headers: client.headers().filter { $0.0 != "Accept" } + [("Accept", "text/html")],
                                        body: #"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).status == 406)
        // Unreadable bodies and batches.
        let garbage = try client.post("{not json")
        #expect(garbage.status == 400)
        #expect(try JSONParser.parse(garbage.text)["error"]?["code"] == -32700)
        #expect(try client.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).status == 400)
        #expect(try client.post(#"{"id":1,"method":"ping"}"#).status == 400)
        // Other HTTP methods.
        let put = try client.http.request("PUT", "/mcp", headers: client.headers())
        #expect(put.status == 405)
        #expect(put.header("allow") == "GET, POST, DELETE")
        // Missing id is 400; unknown is 404.
        client.sessionID = nil
        #expect(try client.rpc("ping").0.status == 400)
        client.sessionID = "0123456789abcdef0123456789abcdef"
        #expect(try client.rpc("ping").0.status == 404)
        // DELETE ends it; the id is then 404 everywhere.
        client.sessionID = id
        #expect(try client.http.request("DELETE", "/mcp", headers: client.headers()).status == 200)
        #expect(running.sessions == 0)
        #expect(try client.rpc("ping").0.status == 404)
        #expect(try client.http.request("DELETE", "/mcp", headers: client.headers()).status == 404)
    }

    @Test func aRequestAcceptingOnlyEventStreamsIsAnsweredOnOne() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.initialize()
        let response = try client.http.request("POST", "/mcp", headers: client.headers().filter { $0.0 != "Accept" } + [("Accept", "text/event-stream")],
                                               body: #"{"jsonrpc":"2.0","id":7,"method":"ping"}"#)
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/event-stream")
        #expect(response.text == "event: message\ndata: {\"id\":7,\"jsonrpc\":\"2.0\",\"result\":{}}\n\n")
    }

    @Test func toolsComeFromTheSpecAndShareTheGraphWithWebSocketClients() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.initialize()
        let listed = try client.rpc("tools/list").1
        let tools = listed["result"]?["tools"]?.arrayValue ?? []
        let names = Set(tools.compactMap { $0["name"]?.stringValue })
        #expect(names.isSuperset(of: ["memory_add_fact", "memory_query", "verify", "skill_find"]), "\(names)")
        for tool in tools { #expect(tool["inputSchema"]?["type"] == "object", "\(tool)") }

        let added = try client.callTool("memory_add_fact", #"{"subject":"mcp_language","body":"The MCP side says Swift","kind":"pattern"}"#)
        #expect(added["result"]?["isError"] == false, "\(added)")

        // A WebSocket client on the same daemon sees it, and what it adds is found over MCP.
        let ws = try WebSocketTestClient(tcpHost: "127.0.0.1", port: running.wsPort)
        defer { ws.close() }
        _ = try DaemonSessionTests.call(ws, 1, "session.auth", #"{"token":"\#(Self.token)"}"#)
        let hits = try DaemonSessionTests.call(ws, 2, "memory.query", #"{"query":"what does the MCP side say","k":5}"#)
        #expect(hits["result"]?.arrayValue?.contains { $0["body"] == "The MCP side says Swift" } == true, "\(hits)")
        _ = try DaemonSessionTests.call(ws, 3, "memory.add_fact", #"{"subject":"ws_editor","body":"The WebSocket side uses Zed"}"#)
        let found = try client.callTool("memory_query", #"{"query":"which editor does the WebSocket side use","k":5}"#)
        let structured = found["result"]?["structuredContent"]?["result"]?.arrayValue ?? []
        #expect(structured.contains { $0["body"] == "The WebSocket side uses Zed" }, "\(found)")
        #expect(found["result"]?["content"]?[0]?["type"] == "text")
    }

    @Test func toolFailuresAreResultsAndProtocolErrorsAreErrors() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.initialize()
        let bad = try client.callTool("memory_add_fact", #"{"subject":1}"#)
        #expect(bad["result"]?["isError"] == true, "\(bad)")
        #expect(bad["result"]?["content"]?[0]?["text"]?.stringValue?.contains("-32602") == true, "\(bad)")
        let unknown = try client.callTool("no_such_tool", "{}")
        #expect(unknown["error"]?["code"] == -32602)
        let notAnObject = try client.callTool("memory_query", "[1]")
        #expect(notAnObject["error"]?["code"] == -32602)
    }

    @Test func theStandaloneStreamCarriesServerPushes() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.initialize()
        let id = try #require(client.sessionID)
        let stream = try HTTPTestClient(port: running.mcpPort)
        defer { stream.close() }
        try stream.send("GET", "/mcp", headers: client.headers())
        let head = try stream.readHead()
        #expect(head.status == 200)
        #expect(head.header("content-type") == "text/event-stream")
        let registry = try #require(running.daemon.state.mcpSessions)
        var pushed = false
        for _ in 0..<100 where !pushed {
            pushed = registry.push(.object(["jsonrpc": "2.0", "method": "notifications/message", "params": ["level": "info", "data": "hi"]]), toSession: id)
            if !pushed { usleep(10_000) }
        }
        #expect(pushed)
        let chunk = try #require(try stream.readChunk())
        #expect(String(decoding: chunk, as: UTF8.self).contains("notifications/message"))
        #expect(!registry.push(.object([:]), toSession: "nope"))
        // A second GET (a client whose stream broke unnoticed) takes over: the first ends.
        let second = try HTTPTestClient(port: running.mcpPort)
        defer { second.close() }
        try second.send("GET", "/mcp", headers: client.headers())
        #expect(try second.readHead().status == 200)
        #expect(try stream.readChunk() == nil)
        // Ending the session ends its stream.
        #expect(try client.http.request("DELETE", "/mcp", headers: client.headers()).status == 200)
        #expect(try second.readChunk() == nil)
    }

    @Test func batchesBelongTo20250326Only() throws {
        let running = try Running()
        defer { running.stop() }
        let old = try running.client()
        defer { old.close() }
        try old.initialize(requesting: "2025-03-26")
        #expect(old.version == "2025-03-26")
        let answered = try old.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"memory_fact_count","arguments":{}}}]"#)
        #expect(answered.status == 200)
        let replies = try JSONParser.parse(answered.text).arrayValue ?? []
        #expect(replies.count == 2)
        #expect(replies.first?["id"] == 1 && replies.last?["id"] == 2, "\(replies)")
        #expect(replies.last?["result"]?["isError"] == false)
        #expect(try old.post(#"[{"jsonrpc":"2.0","method":"notifications/initialized"}]"#).status == 202)
        #expect(try old.post("[]").status == 400)
        #expect(try old.post(#"[{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}]"#).status == 400)
        let new = try running.client()
        defer { new.close() }
        try new.initialize()
        #expect(try new.post(#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).status == 400)
    }

    @Test func sessionsAreBoundedAndExpireWhenIdle() throws {
        let running = try Running {
            $0.maxSessions = 2
            $0.sessionIdleTimeout = 0.5
        }
        defer { running.stop() }
        let first = try running.client()
        defer { first.close() }
        try first.initialize()
        usleep(20_000)
        let second = try running.client()
        defer { second.close() }
        try second.initialize()
        #expect(try first.rpc("ping").0.status == 200)
        // A third evicts the least recently used: the second (the first was just used).
        let third = try running.client()
        defer { third.close() }
        try third.initialize()
        #expect(running.sessions == 2)
        #expect(try second.rpc("ping").0.status == 404)
        #expect(try first.rpc("ping").0.status == 200)
        // Unused, they end (the sweeper runs every second at the shortest).
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while running.sessions > 0, clock.now < deadline { usleep(50_000) }
        #expect(running.sessions == 0)
        #expect(try first.rpc("ping").0.status == 404)
    }
}
