import CarGenerated
import CarHandlers
import CarHTTP
import CarMCP
import CarRPC
import Synchronization

/// The MCP endpoint assembled: its HTTP listener with the `/mcp` and `/mcp/health` routes,
/// the endpoint over the daemon backend, and the sweeper that ends idle sessions.
final class MCPService: Sendable {
    let endpoint: MCPEndpoint
    private let server: HTTPServer
    private let host: String
    private let state: ServerState
    private let sessionIdle: Double
    private let sweeper = Mutex<Task<Void, Never>?>(nil)
    private let loop: EventLoop

    init(configuration: MCPConfiguration, http: HTTPServerConfig, state: ServerState, dispatcher: RPCDispatcher<ClientSession>,
         loop: EventLoop, inFlight: InFlightCount, logger: Logger) {
        let backend = MCPDaemonBackend(state: state, dispatcher: dispatcher, loop: loop, inFlight: inFlight)
        var endpointConfig = MCPEndpointConfig(authToken: state.config.authToken, serverVersion: CarSpecInfo.implementationVersion)
        endpointConfig.maxSessions = configuration.maxSessions
        endpointConfig.sessionIdleTimeout = configuration.sessionIdleTimeout
        endpointConfig.executor = loop
        endpoint = MCPEndpoint(backend: backend, tools: MCPTools.all, config: endpointConfig, log: { logger.info($0) })
        var routes = HTTPRouteTable()
        routes.add("/mcp", endpoint)
        routes.add("/mcp/health", MCPHealthRoute(serverName: endpointConfig.serverName, serverVersion: endpointConfig.serverVersion))
        server = HTTPServer(config: http, routes: routes, loop: loop, log: { logger.info($0) })
        host = http.bindHost
        self.state = state
        self.loop = loop
        sessionIdle = configuration.sessionIdleTimeout
    }

    /// Binds and serves; answers the endpoint's URL, also installed in the server state.
    func start() throws -> String {
        let port = try server.start()
        let url = "http://\(Sockets.urlHost(host)):\(port)/mcp"
        state.installMCP(url: url, sessions: endpoint)
        let endpoint = self.endpoint
        // Often enough that a session ends within a tenth of its idle time past it.
        let interval = Duration.seconds(max(1, min(60, sessionIdle / 10)))
        let task = Task(executorPreference: loop) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                endpoint.expireIdleSessions()
            }
        }
        sweeper.withLock { $0 = task }
        return url
    }

    /// New sessions are refused first, then every session ends (its calls cancelled, its
    /// stream ended), then the listener closes once the answers are out.
    func shutdown() {
        sweeper.withLock { $0 }?.cancel()
        endpoint.shutdown()
        server.shutdown(timeout: 2)
    }
}

extension MCPEndpoint: MCPSessionRegistry {
    public var sessionCount: Int { sessions.count }
}
