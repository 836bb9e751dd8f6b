import CarA2A
import CarHandlers
import CarHTTP

/// Binds A2A listeners on the daemon's HTTP layer: for `--a2a-bind` at start-up and for each
/// `a2a.start`. Each listener has the card and JSON-RPC routes and the daemon's HTTP bounds
/// and Origin policy; with auth on, its JSON-RPC requests need a bearer: the daemon's token
/// or a peer's (`a2a.tokens.issue`).
struct A2AListenerFactory: A2AListenerLauncher {
    let base: HTTPServerConfig
    let bearer: A2ABearerCheck
    let loop: EventLoop
    let logger: Logger

    func launch(host: String, port: Int, rpcPath: String?, dispatcher: @escaping @Sendable () -> A2ADispatcher?) throws -> any A2ARunningListener {
        var http = base
        http.bindHost = host
        http.port = port
        let endpoint = A2AHTTPEndpoint(dispatcher: dispatcher, bearer: bearer, executor: loop)
        var routes = HTTPRouteTable()
        routes.add("/", endpoint)
        routes.add(A2AHTTPEndpoint.cardPath, endpoint)
        if let rpcPath {
            // The interface URL, and the card beside it, where clients given that URL look.
            routes.add(rpcPath, endpoint)
            routes.add((rpcPath.hasSuffix("/") ? String(rpcPath.dropLast()) : rpcPath) + A2AHTTPEndpoint.cardPath, endpoint)
        }
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
