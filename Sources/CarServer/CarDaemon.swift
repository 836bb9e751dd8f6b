import CarHost
import CarGenerated
import CarHandlers
import Glibc
import CarIO
import CarRPC
import CarSupervisor
import CarWebSocket
import Dispatch
import Synchronization

/// Everything needed to run a daemon in a process: what the CLI builds from flags, and what
/// an embedder or a test builds directly.
public struct DaemonConfiguration: Sendable {
    public var transport: TransportConfig
    public var state: ServerStateConfig
    public var logger: Logger
    /// Where binary frames go (voice audio later); the default drops them.
    public var binaryFrames: @Sendable (ClientSession, [UInt8]) -> Void
    /// The agent supervisor's files; nil supervises nothing (`agents.*` then say so).
    public var agents: AgentsConfiguration?
    /// The MCP endpoint; nil serves none.
    public var mcp: MCPConfiguration?
    /// The browser dashboard; nil serves none.
    public var dashboard: DashboardConfiguration?
    /// The daemon's A2A listener (`--a2a-bind`); nil serves none (a2a.start may, later).
    public var a2a: HTTPServerConfig?
    /// Connections the listener `a2a.start` binds takes at once (a share of the budget).
    public var a2aStartConnections = 128

    public init(transport: TransportConfig, state: ServerStateConfig, logger: Logger = Logger(),
                agents: AgentsConfiguration? = nil, mcp: MCPConfiguration? = nil, dashboard: DashboardConfiguration? = nil,
                binaryFrames: @escaping @Sendable (ClientSession, [UInt8]) -> Void = { _, _ in }) {
        self.transport = transport
        self.state = state
        self.logger = logger
        self.agents = agents
        self.mcp = mcp
        self.dashboard = dashboard
        self.binaryFrames = binaryFrames
    }
}

/// One running daemon: shared state, the generated dispatcher over the hand-written
/// handlers, and the WebSocket transport on an event loop.
public final class CarDaemon: Sendable {
    public let state: ServerState
    public let configuration: DaemonConfiguration
    private let loop: EventLoop
    private let handler: RPCConnectionHandler
    private let server: WebSocketServer
    private let mcp: MCPService?
    private let dashboard: DashboardService?
    private let a2aFactory: A2AListenerFactory
    private let a2aListener = Mutex<(any A2ARunningListener)?>(nil)
    /// Ends chat turns whose agent went silent; runs from `start` to `shutdown`.
    private let chatSweeper = Mutex<Task<Void, Never>?>(nil)
    /// Removes expired A2UI surfaces (and tells their renderers); runs from `start` to `shutdown`.
    private let surfaceReaper = Mutex<Task<Void, Never>?>(nil)

    public init(configuration: DaemonConfiguration) {
        self.configuration = configuration
        self.state = ServerState(config: configuration.state)
        let logger = configuration.logger
        self.loop = EventLoop(stallLog: { logger.warning($0) })
        state.chat.runTasks(on: loop)
        state.a2a.runTasks(on: loop)
        let dispatcher = CarHandler(state: state).makeDispatcher(
            approvals: HostApprovalGate(host: state.host, config: state.config.approvalGate), log: { logger.error($0) })
        self.handler = RPCConnectionHandler(state: state, dispatcher: dispatcher, executor: loop, logger: logger,
                                            binaryFrames: configuration.binaryFrames)
        self.server = WebSocketServer(config: configuration.transport, loop: loop, delegate: handler,
                                      log: { logger.info($0) })
        if let mcp = configuration.mcp {
            // The same browser origins as the WebSocket: one policy for every endpoint.
            var http = mcp.http
            http.origins = configuration.transport.origins
            self.mcp = MCPService(configuration: mcp, http: http, state: state, dispatcher: dispatcher, loop: loop,
                                  inFlight: handler.inFlight, logger: logger)
        } else {
            self.mcp = nil
        }
        // a2a.start binds through this: the WebSocket's HTTP bounds and browser origins.
        var a2aHTTP = HTTPServerConfig(bindHost: "127.0.0.1", port: 0)
        a2aHTTP.origins = configuration.transport.origins
        a2aHTTP.maxConnections = configuration.a2aStartConnections
        if let mcp = configuration.mcp {
            a2aHTTP.idleTimeout = mcp.http.idleTimeout
            a2aHTTP.requestTimeout = mcp.http.requestTimeout
        }
        a2aFactory = A2AListenerFactory(base: a2aHTTP, bearer: A2ABearerCheck(daemonToken: state.config.authToken, peerTokens: state.a2a.tokens),
                                        loop: loop, logger: logger)
        state.a2a.install(launcher: a2aFactory)
        if let dashboard = configuration.dashboard {
            var http = dashboard.http
            http.origins = configuration.transport.origins
            self.dashboard = DashboardService(configuration: DashboardConfiguration(http: http, required: dashboard.required),
                                              state: state, loop: loop, logger: logger)
        } else {
            self.dashboard = nil
        }
    }

    /// Binds the listeners and starts serving, then boots the agent supervisor (its children
    /// need the daemon's URL, so the port must be known). Throws when the TCP address is taken
    /// or the Unix socket cannot be bound.
    public func start() throws -> BoundAddresses {
        loadChatGoals()
        // Before any connection can build the in-core dispatcher, so its card has this URL.
        if let a2a = configuration.a2a { try startA2A(a2a) }
        var addresses: BoundAddresses
        do {
            addresses = try server.start()
        } catch {
            // Nothing else serves: neither does the A2A listener.
            a2aListener.withLock { $0 }?.stop()
            throw error
        }
        if let mcp {
            do {
                addresses.mcpURL = try mcp.start()
            } catch where !(configuration.mcp?.required ?? true) {
                configuration.logger.warning("MCP endpoint not started: \(error) (give it another address with --mcp-bind, or --mcp-bind disabled)")
            }
        }
        if let dashboard {
            do {
                addresses.dashboardURL = try dashboard.start(webSocketHost: configuration.transport.bindHost, webSocketPort: addresses.tcpPort)
            } catch where !(configuration.dashboard?.required ?? true) {
                configuration.logger.warning("dashboard not started: \(error) (give it another address with --dashboard-bind, or --dashboard-bind disabled)")
            }
        }
        if let agents = configuration.agents { bootSupervisor(agents, port: addresses.tcpPort) }
        startChatSweeper()
        startSurfaceReaper()
        return addresses
    }

    /// `--a2a-bind`: the in-core dispatcher over HTTP, with the daemon's own HTTP bounds.
    private func startA2A(_ http: HTTPServerConfig) throws {
        var base = http
        base.origins = configuration.transport.origins
        let factory = A2AListenerFactory(base: base, bearer: a2aFactory.bearer, loop: a2aFactory.loop, logger: configuration.logger)
        let state = self.state
        let listener = try factory.launch(host: http.bindHost, port: http.port, rpcPath: nil, dispatcher: { state.a2a.dispatcher })
        state.a2a.installDaemonListener(url: "http://\(listener.bound)/")
        a2aListener.withLock { $0 = listener }
        configuration.logger.info("A2A listening on http://\(listener.bound)/ (agent card at /.well-known/agent-card.json)")
    }

    /// Standing goals are read before the first connection (on the calling thread, never the
    /// loop's); what was wrong with the file is logged.
    private func loadChatGoals() {
        let logger = configuration.logger
        state.chat.onWarning { logger.warning($0) }
        let report = state.chat.loadGoals()
        if let aside = report.movedAside {
            logger.warning("\(state.chat.goals.path ?? "chat goals") did not parse (\(report.problem ?? "unreadable")); moved it to \(aside) and started with no standing goals")
        } else if let problem = report.problem {
            logger.warning(problem)
        }
        if report.reactivated > 0 { logger.info("\(report.reactivated) standing goal(s) were running when the daemon stopped; now active") }
    }

    private func startChatSweeper() {
        let chat = state.chat
        let interval = chat.sweepInterval
        let task = Task(executorPreference: loop) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                chat.sweep()
            }
        }
        chatSweeper.withLock { $0 = task }
    }

    /// Off the loop: a sweep walks every surface (at most `maxSurfaces`) and broadcasts.
    private func startSurfaceReaper() {
        let a2ui = state.a2ui
        // Often enough that a surface goes within a tenth of its TTL past it.
        let interval = Duration.seconds(max(1, min(60, a2ui.store.limits.surfaceTTLSeconds / 10)))
        let task = Task {
            while true {
                do { try await Task.sleep(for: interval) } catch { break }
                _ = a2ui.reap()
            }
        }
        surfaceReaper.withLock { $0 = task }
    }

    /// Builds the supervisor on this loop (child exits arrive through pidfds in its epoll set,
    /// timers on its heap), boots it and installs it. Boot reads the manifest and may start
    /// auto_start agents; it finishes before `start` returns, so the first `agents.list` sees
    /// them. A second daemon on the same manifest boots as an observer and says so.
    private func bootSupervisor(_ agents: AgentsConfiguration, port: Int) {
        let host = configuration.transport.bindHost
        let urlHost = Sockets.urlHost(host)
        let state = self.state
        let supervisor = Supervisor(
            manifestPath: agents.manifestPath, logsDirectory: agents.logsDirectory, runDirectory: agents.runDirectory,
            stateRoot: agents.stateRoot, daemonURL: "ws://\(urlHost):\(port)", baseEnvironment: agents.environment,
            watcher: PidfdChildWatcher(loop: loop), scheduler: LoopSupervisorScheduler(loop: loop),
            forbiddenCommandRoots: agents.forbiddenCommandRoots ?? Supervisor.scratchRoots,
            onEvent: { [weak state] event in state?.agentEvent(event) })
        Self.waitOnLoop(loop, bound: 30) { await supervisor.boot() }
        for warning in supervisor.warnings { configuration.logger.warning(warning) }
        state.installSupervisor(supervisor)
    }

    /// Runs `body` as a task on the loop and waits for it (at most `bound` seconds) on the
    /// calling thread, which is never the loop's.
    private static func waitOnLoop(_ loop: EventLoop, bound seconds: Double, _ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: loop) {
            await body()
            done.signal()
        }
        _ = done.wait(timeout: .now() + seconds)
    }

    /// Every request cancelled, close frames 1001 to every client, listeners closed, our
    /// socket file removed; then up to 2 s more for the cancelled handlers to end before the
    /// loop stops (a handler that ignores cancellation past that is abandoned, and nothing it
    /// does afterwards reaches the stopped loop).
    public func shutdown() {
        // Agents first, while the loop still notices their exits (bounded: each child gets
        // its grace period, then SIGKILL).
        state.chat.daemonStopping()
        if let supervisor = state.supervisor { Self.waitOnLoop(loop, bound: 15) { await supervisor.shutdown() } }
        chatSweeper.withLock { $0 }?.cancel()
        surfaceReaper.withLock { $0 }?.cancel()
        handler.cancelAllRequests()
        mcp?.shutdown()
        dashboard?.shutdown()
        a2aListener.withLock { $0 }?.stop()
        state.a2a.shutdown()
        server.shutdown(closeCode: CloseCode.goingAway, timeout: 2.0)
        let giveUp = MonotonicClock.nanoseconds() + 2_000_000_000
        while handler.runningRequests > 0, MonotonicClock.nanoseconds() < giveUp { usleep(5_000) }
        loop.shutdown()
        // Whatever the relay changed since its last queued write (that write may not have run).
        state.chat.flushGoals()
    }

    public var connectionCount: Int { server.connectionCount }
}
