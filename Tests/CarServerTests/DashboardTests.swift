import CarHandlers
import CarJSON
import CarTestSupport
import Glibc
import Testing
@testable import CarServer

/// The dashboard's listener over real sockets: the embedded page, the token endpoint's rules
/// (loopback Origin and Host only, never cached, never the host token), and the page's
/// WebSocket flow for surfaces. (The page itself is driven in Chromium by
/// scripts/dashboard/dashboard_test.py.)
@Suite("daemon: dashboard")
struct DashboardTests {
    static let token = "dash-session-token"
    static let hostToken = "dash-host-token"

    final class Running: Sendable {
        let daemon: CarDaemon
        let wsPort: Int
        let dashboardPort: Int

        init(allowedOrigins: [String] = []) throws {
            var transport = TransportConfig(port: 0)
            transport.origins = OriginPolicy(allowed: allowedOrigins)
            daemon = CarDaemon(configuration: DaemonConfiguration(
                transport: transport,
                state: ServerStateConfig(authToken: DashboardTests.token, hostToken: DashboardTests.hostToken,
                                         journalDirectory: EchoServer.temporaryDirectory()),
                logger: Logger(minimum: .error),
                dashboard: DashboardConfiguration(http: HTTPServerConfig(port: 0), required: true)))
            let addresses = try daemon.start()
            wsPort = addresses.tcpPort
            let url = try #require(addresses.dashboardURL)
            dashboardPort = try #require(Int(url.split(separator: ":").last?.split(separator: "/").first ?? ""))
        }

        func get(_ path: String, headers: [(String, String)] = []) throws -> HTTPTestClient.Response {
            try HTTPTestClient(port: dashboardPort).request("GET", path, headers: headers)
        }

        func stop() { daemon.shutdown() }
    }

    @Test func servesTheEmbeddedPageWithHeadersThatKeepItSelfContained() throws {
        let running = try Running()
        defer { running.stop() }
        let page = try running.get("/")
        #expect(page.status == 200)
        #expect(page.header("content-type") == "text/html; charset=utf-8")
        #expect(page.text.contains("dashboard.js"))
        let policy = try #require(page.header("content-security-policy"))
        #expect(policy.contains("frame-ancestors 'none'"))
        #expect(policy.contains("script-src 'self'"))
        let script = try running.get("/dashboard.js")
        #expect(script.status == 200)
        #expect(script.header("content-type") == "text/javascript; charset=utf-8")
        #expect(script.body.count > 1000)
        #expect(try running.get("/nope").status == 404)
        #expect(try HTTPTestClient(port: running.dashboardPort).request("POST", "/", body: "x").status == 405)
    }

    @Test func authTokenGivesThePageTheSessionTokenNeverTheHostToken() throws {
        let running = try Running()
        defer { running.stop() }
        let reply = try running.get("/auth-token", headers: [("Origin", "http://127.0.0.1:\(running.dashboardPort)")])
        #expect(reply.status == 200)
        #expect(reply.header("cache-control") == "no-store")
        let body = try JSONParser.parse(reply.text)
        #expect(body["token"] == .string(Self.token))
        #expect(body["ws"] == .string("ws://127.0.0.1:\(running.wsPort)/"))
        #expect(!reply.text.contains(Self.hostToken))
        // No Origin (not a browser, or a same-origin GET) is fine on a loopback Host.
        #expect(try running.get("/auth-token").status == 200)
    }

    @Test func authTokenRefusesForeignPagesEvenWhenAllowedElsewhere() throws {
        let running = try Running(allowedOrigins: ["https://app.example"])
        defer { running.stop() }
        // A listed origin may load the page, but never the token.
        #expect(try running.get("/", headers: [("Origin", "https://app.example")]).status == 200)
        let refused = try running.get("/auth-token", headers: [("Origin", "https://app.example")])
        #expect(refused.status == 403)
        #expect(!refused.text.contains(Self.token))
        #expect(try running.get("/auth-token", headers: [("Origin", "http://evil.example")]).status == 403)
        #expect(try running.get("/auth-token", headers: [("Origin", "null")]).status == 403)
    }

    @Test func aRebindingHostNameIsRefused() throws {
        let running = try Running()
        defer { running.stop() }
        // A page on evil.example that rebinds its name to 127.0.0.1 is same-origin to itself
        // and sends no Origin; its Host header still names it.
        let client = try HTTPTestClient(port: running.dashboardPort)
        try client.sendRaw("GET /auth-token HTTP/1.1\r\nHost: evil.example:\(running.dashboardPort)\r\n\r\n")
        let reply = try client.readResponse()
        #expect(reply.status == 421)
        #expect(!reply.text.contains(Self.token))
        let localhost = try HTTPTestClient(port: running.dashboardPort)
        try localhost.sendRaw("GET /auth-token HTTP/1.1\r\nHost: localhost:\(running.dashboardPort)\r\n\r\n")
        #expect(try localhost.readResponse().status == 200)
    }

    static func next(_ client: WebSocketTestClient) throws -> JSONValue {
        let text = try client.receiveJSONText()
        return try JSONParser.parse(try #require(text))
    }

    @Test func thePagesWebSocketFlowSeesSurfacesLive() throws {
        let running = try Running()
        defer { running.stop() }
        let token = try JSONParser.parse(running.get("/auth-token").text)["token"]!
        let page = try WebSocketTestClient(tcpHost: "127.0.0.1", port: running.wsPort, timeout: 5)
        let agent = try WebSocketTestClient(tcpHost: "127.0.0.1", port: running.wsPort, timeout: 5)
        for (index, client) in [page, agent].enumerated() {
            try client.sendText(JSONWriter.string(["jsonrpc": "2.0", "id": .int(Int64(index)), "method": "session.auth", "params": ["token": token]]))
            _ = try client.receiveJSONText()
        }
        try page.sendText(#"{"jsonrpc":"2.0","id":10,"method":"a2ui/subscribe","params":{}}"#)
        #expect(try Self.next(page)["result"]?["subscribed"] == true)
        try agent.sendText(#"{"jsonrpc":"2.0","id":11,"method":"a2ui.apply","params":{"version":"v0.9","createSurface":{"surfaceId":"live","catalogId":"https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"}}}"#)
        #expect(try Self.next(agent)["result"]?["surfaceId"] == "live")
        let event = try Self.next(page)
        #expect(event["method"] == "a2ui.event")
        #expect(event["params"]?["kind"] == "a2ui.surface_updated")
        #expect(event["params"]?["result"]?["surface"]?["owner"]?["kind"] == "session")
        page.close()
        agent.close()
    }

    static func options(_ arguments: [String], _ environment: [String: String] = [:]) throws -> DaemonOptions {
        guard case .run(let options) = try DaemonOptions.parse(arguments, environment: environment) else { throw DaemonOptions.UsageError(description: "not run") }
        return options
    }

    @Test func theDashboardBindIsLoopbackOnly() throws {
        #expect(try Self.options([]).dashboardBind == .standard)
        #expect(try Self.options(["--dashboard-bind", "disabled"]).dashboardBind == .disabled)
        #expect(try Self.options(["--dashboard-bind", "127.0.0.2:9200"]).dashboardBind == .address(host: "127.0.0.2", port: 9200))
        #expect(try Self.options(["--dashboard-bind", "[::1]:9200"]).dashboardBind == .address(host: "::1", port: 9200))
        // localhost is bound as the address it names (listeners take IP literals).
        #expect(try Self.options(["--dashboard-bind", "localhost:9200"]).dashboardBind == .address(host: "127.0.0.1", port: 9200))
        #expect(try Self.options([], ["CAR_DASHBOARD_BIND": "127.0.0.1:9300"]).dashboardBind == .address(host: "127.0.0.1", port: 9300))
        for refused in ["0.0.0.0:9200", "192.168.1.2:9200", "127.evil.example:9200", "127.0.0.1.nip.io:9200", ":::9200", "nope"] {
            #expect(throws: DaemonOptions.UsageError.self, "\(refused)") { try Self.options(["--dashboard-bind", refused]) }
        }
    }

    @Test func theDefaultDashboardSitsBesideTheWebSocketPort() throws {
        func port(_ arguments: [String]) throws -> Int? {
            DaemonMain.dashboardConfiguration(try Self.options(arguments), maxConnections: 8)?.http.port
        }
        #expect(try port([]) == 9101)
        #expect(try port(["--port", "9300"]) == 9301)
        #expect(try port(["--port", "65535"]) == 0)
        #expect(try port(["--port", "0"]) == 0)
        #expect(try port(["--dashboard-bind", "disabled"]) == nil)
        #expect(DaemonMain.dashboardConfiguration(try Self.options([]), maxConnections: 8)?.required == false)
        #expect(DaemonMain.dashboardConfiguration(try Self.options(["--dashboard-bind", "127.0.0.1:9400"]), maxConnections: 8)?.required == true)
    }
}
