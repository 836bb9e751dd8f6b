import CarDashboard
import CarHandlers
import CarHTTP
import Synchronization

/// The browser dashboard: its own loopback listener on the daemon's HTTP layer, serving the
/// page (`/` and its scripts and styles, one route per embedded file) and `/auth-token`. The page then talks to the
/// daemon over its WebSocket like any client.
final class DashboardService: Sendable {
    private let server: HTTPServer
    private let host: String
    /// Known once the WebSocket listener is bound; read by `/auth-token` on each request.
    private final class WebSocketURL: Sendable {
        let value = Mutex<String?>(nil)
    }
    private let webSocketURL = WebSocketURL()

    init(configuration: DashboardConfiguration, state: ServerState, loop: EventLoop, logger: Logger) {
        var routes = HTTPRouteTable()
        let page = DashboardPageRoute()
        for path in DashboardAssets.byPath.keys { routes.add(path, page) }
        let url = webSocketURL
        routes.add("/auth-token", AuthTokenRoute(token: state.config.authToken, webSocketURL: { url.value.withLock { $0 } }))
        server = HTTPServer(config: configuration.http, routes: routes, loop: loop, log: { logger.info($0) })
        host = configuration.http.bindHost
    }

    /// Binds and serves; `webSocketPort` is what `/auth-token` points the page at. Answers the
    /// dashboard's URL.
    func start(webSocketHost: String, webSocketPort: Int) throws -> String {
        // A wildcard bind is reached on loopback, where the page is.
        let wsHost = webSocketHost == "0.0.0.0" || webSocketHost == "::" ? "127.0.0.1" : Sockets.urlHost(webSocketHost)
        webSocketURL.value.withLock { $0 = "ws://\(wsHost):\(webSocketPort)/" }
        let port = try server.start()
        return "http://\(Sockets.urlHost(host)):\(port)/"
    }

    func shutdown() {
        server.shutdown(timeout: 2)
    }
}
