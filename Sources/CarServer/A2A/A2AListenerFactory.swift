import CarA2A
import CarHandlers
import CarHTTP

/// Binds A2A listeners on the daemon's HTTP layer: for `--a2a-bind` at start-up and for each
/// `a2a.start`. Each listener has the card and JSON-RPC routes and the daemon's HTTP bounds
/// and Origin policy; with auth on, its JSON-RPC requests need the daemon's bearer token.
struct A2AListenerFactory: A2AListenerLauncher {
    let base: HTTPServerConfig
    let token: String?
    let loop: EventLoop
    let logger: Logger

    func launch(host: String, port: Int, dispatcher: @escaping @Sendable () -> A2ADispatcher?) throws -> any A2ARunningListener {
        var http = base
        http.bindHost = host
        http.port = port
        let endpoint = A2AHTTPEndpoint(dispatcher: dispatcher, token: token)
        var routes = HTTPRouteTable()
        routes.add("/", endpoint)
        routes.add(A2AHTTPEndpoint.cardPath, endpoint)
        let server = HTTPServer(config: http, routes: routes, loop: loop, log: { [logger] in logger.info($0) })
        let bound = try server.start()
        return A2AHTTPListener(server: server, bound: "\(Sockets.urlHost(host)):\(bound)")
    }
}

final class A2AHTTPListener: A2ARunningListener {
    let server: HTTPServer
    let bound: String

    init(server: HTTPServer, bound: String) {
        self.server = server
        self.bound = bound
    }

    func stop() {
        server.shutdown(timeout: 2)
    }
}
