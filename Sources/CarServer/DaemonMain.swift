import CarA2A
import CarEngine
import CarFiles
import CarIO
import CarMemory
import CarMessaging
import CarGenerated
import CarHandlers
import Dispatch
import Glibc
import Synchronization

/// The `car-server` process: options → state paths → tokens → listeners → wait for a signal →
/// graceful shutdown. Returns the exit status (2 for usage and configuration errors).
public enum DaemonMain {
    /// Our own name and version, then the CAR release level we implement (what the handshake
    /// reports as server_version): `car-server-swift 0.1.0 (CAR 0.58.0)`.
    static let identity = "\(CarSpecInfo.implementationName) \(CarSpecInfo.implementationVersion) (CAR \(CarSpecInfo.serverVersion))"

    public static func run(arguments: [String], environment: [String: String] = currentEnvironment()) -> Int32 {
        let command: DaemonOptions.Command
        do {
            command = try DaemonOptions.parse(arguments, environment: environment)
        } catch {
            printError("car-server: \(error)\n\(DaemonOptions.usage)")
            return 2
        }
        switch command {
        case .help:
            print(DaemonOptions.usage)
            return 0
        case .version:
            print("\(CarSpecInfo.implementationName) \(CarSpecInfo.implementationVersion) (CAR \(CarSpecInfo.serverVersion), wire protocol v\(CarSpecInfo.wireProtocol); speaks \(CarSpecInfo.supportedWireProtocols.map { "v\($0)" }.joined(separator: ", ")))")
            return 0
        case .printSpec:
            print(CarSpecInfo.openRPCJSON)
            return 0
        case .run(let options):
            return serve(options, environment: environment)
        }
    }

    private static func serve(_ options: DaemonOptions, environment: [String: String]) -> Int32 {
        let logger = Logger(minimum: options.logLevel)
        // A peer that vanishes mid-write must cost one connection, not the process.
        signal(SIGPIPE, SIG_IGN)
        // Before any token file exists: a SIGTERM from here on is observed, never the default
        // action, so every exit path can withdraw what it published.
        let termination = TerminationSignals()
        let paths: StatePaths
        do {
            paths = try StatePaths.resolve(environment: environment)
        } catch {
            printError("car-server: \(error)")
            return 2
        }
        // A second daemon on the same root must not take the first one's token files or socket.
        let lock = DaemonLock.acquire(path: paths.lockPath)
        let primary = lock != nil
        if !primary {
            logger.warning("another car-server owns \(paths.root) (\(paths.lockPath) is locked): not publishing token files, using a per-port socket")
        }

        // Before this process writes anything: a writer killed between create and rename left
        // `<file>.tmp-<pid>-<n>` behind. Only where atomic writes go (not the journals).
        let stale = FileSystem.removeStaleTemporaries(in: paths.root)
            + FileSystem.removeStaleTemporaries(in: paths.memoryDirectory, depth: 4)
            + FileSystem.removeStaleTemporaries(in: paths.tokenDirectory)
        if !stale.isEmpty { logger.info("removed \(stale.count) temporary file(s) left by interrupted writes") }

        let authToken = options.authDisabled ? nil : (options.authToken ?? TokenStore.mint())
        let hostToken = options.authDisabled ? nil : TokenStore.mint()
        let tokens = TokenStore(paths: paths)
        if let authToken, let hostToken, primary {
            do {
                try tokens.publish(authToken: authToken, hostToken: hostToken)
                logger.info("auth token written to \(tokens.authTokenPath) (host token beside it)")
            } catch {
                logger.error("cannot write the auth token: \(error)")
                tokens.withdraw(authToken: authToken, hostToken: hostToken)
                return 1
            }
        } else if options.authDisabled {
            logger.warning("auth disabled (--no-auth): any local process can drive this daemon")
        }
        // Whatever happens from here, tokens this process published are withdrawn on the way out.
        let status = serveWithTokens(options, environment: environment, paths: paths, logger: logger, primary: primary,
                           authToken: authToken, hostToken: hostToken, termination: termination)
        if let authToken, let hostToken, primary { tokens.withdraw(authToken: authToken, hostToken: hostToken) }
        withExtendedLifetime(lock) {}
        if status == 0 { logger.info("stopped") }
        return status
    }

    /// Everything between publishing the tokens and withdrawing them.
    private static func serveWithTokens(_ options: DaemonOptions, environment: [String: String], paths: StatePaths, logger: Logger,
                                        primary: Bool, authToken: String?, hostToken: String?,
                                        termination: TerminationSignals) -> Int32 {
        let journal = options.journalDirectory.map { paths.expand($0, home: environment["HOME"]) } ?? paths.journalDirectory
        do {
            try FileSystem.makeDirectories(journal)
        } catch {
            logger.error("cannot create the journal directory: \(error)")
            return 1
        }
        // Before any session journals: torn tails cut, empty journals and the cap's surplus removed.
        JournalFolder(directory: journal, limits: options.journalLimits).sweepAtStartup().log(to: logger)
        var socketPath: String?
        switch options.unixSocket {
        case .disabled: socketPath = nil
        case .standard: socketPath = primary ? paths.socketPath : perPortSocket(paths.socketPath, port: options.port)
        case .path(let path): socketPath = paths.expand(path, home: environment["HOME"])
        }

        // One descriptor budget for both listeners (see `ConnectionBudget.split`).
        let total = ConnectionBudget.fromDescriptorLimit()
        var budget = options.mcpBind == .disabled ? (webSocket: total, http: 0, sessions: 0) : ConnectionBudget.split(total: total)
        let dashboardConnections = options.dashboardBind == .disabled ? 0 : ConnectionBudget.dashboardShare(total: total)
        // One share for --a2a-bind, one for the listener a2a.start may bind at any time.
        let a2aShare = ConnectionBudget.a2aShare(total: total)
        let a2aConnections = options.a2aBind == .disabled ? 0 : a2aShare
        budget.webSocket = max(1, budget.webSocket - (dashboardConnections + 1) / 2 - (a2aConnections + 1) / 2 - (a2aShare + 1) / 2)
        var transport = TransportConfig(bindHost: options.bindHost, port: options.port, unixSocketPath: socketPath,
                                        maxMessageBytes: options.maxMessageBytes, maxConnections: budget.webSocket)
        transport.origins = OriginPolicy(allowed: options.allowedOrigins)
        var stateConfig = ServerStateConfig(authToken: authToken, hostToken: hostToken, journalDirectory: journal,
                                            toolTimeout: SaturatingTime.duration(seconds: options.toolTimeoutSeconds),
                                            memoryRoot: paths.memoryDirectory,
                                            memoryMode: options.standaloneMemory ? .perConnection : .shared(MemoryEngine()))
        stateConfig.messagingConfigPath = paths.messagingConfigPath
        stateConfig.journalLimits = options.journalLimits
        stateConfig.approvalGate.enabled = !options.approvalsDisabled
        stateConfig.approvalGate.timeout = SaturatingTime.duration(seconds: options.approvalTimeoutSeconds)
        stateConfig.handlerTimeout = SaturatingTime.duration(seconds: options.handlerTimeoutSeconds)
        stateConfig.authTimeout = SaturatingTime.duration(seconds: options.authTimeoutSeconds)
        stateConfig.inferencePermits = options.inferencePermits.flatMap(Int.init)
        stateConfig.inferencePermitsOverride = options.inferencePermits
        // Beside the journal directory, as the reference derives it.
        stateConfig.chat.goalsPath = FileSystem.parent(of: journal) + "/chat-goals.json"
        stateConfig.chat.ackTimeout = SaturatingTime.duration(seconds: options.chatAckTimeoutSeconds)
        stateConfig.chat.silenceLimit = SaturatingTime.duration(seconds: options.chatSilenceTimeoutSeconds)
        stateConfig.a2a.peersPath = paths.root + "/a2a-peers.json"
        // Read here, before the loop runs; a file that cannot be read is reported by a2a.tokens.list.
        stateConfig.a2a.tokens = A2AAccessTokens(path: paths.root + "/a2a-tokens.json")
        if let problem = stateConfig.a2a.tokens.problem { logger.warning("A2A peer tokens: \(problem)") }
        if let path = options.a2aStore {
            do {
                stateConfig.a2a.store = try openA2AStore(path, logger: logger)
            } catch {
                logger.error("cannot open the A2A task store \(path): \(error)")
                return 1
            }
        }
        stateConfig.a2uiLimits.surfaceTTLSeconds = Int64(min(options.a2uiTTLSeconds.rounded(.up), 1e12))
        if options.approvalsDisabled {
            logger.warning("approvals disabled (--no-approvals): high-risk methods run without asking a person")
        }
        if options.standaloneMemory {
            logger.info("standalone memory (--standalone-memory): each unbound connection has a memory graph of its own")
        }
        var configuration = DaemonConfiguration(
            transport: transport,
            state: stateConfig,
            logger: logger,
            agents: AgentsConfiguration(
                manifestPath: options.agentsManifest.map { paths.expand($0, home: environment["HOME"]) } ?? paths.agentsManifestPath,
                logsDirectory: paths.agentLogsDirectory, runDirectory: paths.agentRunDirectory, stateRoot: paths.root,
                // A child authenticates with its own token; the daemon's never reaches it.
                environment: environment.filter { $0.key != "CAR_AUTH_TOKEN" }),
            mcp: mcpConfiguration(options, maxConnections: budget.http, maxSessions: budget.sessions),
            dashboard: dashboardConfiguration(options, maxConnections: dashboardConnections))
        configuration.a2a = a2aConfiguration(options, maxConnections: a2aConnections)
        configuration.a2aStartConnections = a2aShare

        let started = MonotonicClock.nanoseconds()
        var daemon = CarDaemon(configuration: configuration)
        var addresses: BoundAddresses
        do {
            addresses = try daemon.start()
        } catch let error as UnixSocketInUse {
            // A live daemon answers on that socket: never unlink it; take a per-port name instead.
            let fallback = perPortSocket(error.path, port: options.port)
            logger.warning("\(error.path) is held by a running daemon; binding \(fallback) instead")
            daemon.shutdown()
            configuration.transport.unixSocketPath = fallback
            daemon = CarDaemon(configuration: configuration)
            do {
                addresses = try daemon.start()
            } catch {
                logger.error("cannot start: \(error)")
                return 1
            }
        } catch {
            logger.error("cannot start: \(error)")
            return 1
        }
        logger.info("\(identity) listening on ws://\(hostForURL(options.bindHost)):\(addresses.tcpPort)/"
            + (addresses.unixSocketPath.map { " and unix:\($0)" } ?? "")
            + (addresses.mcpURL.map { ", MCP on \($0)" } ?? "")
            + (addresses.dashboardURL.map { ", dashboard on \($0)" } ?? "")
            + " (auth \(authToken == nil ? "off" : "on"), started in \((MonotonicClock.nanoseconds() - started) / 1_000_000) ms)")

        if let aside = daemon.state.messaging.recoveredFrom {
            logger.warning("\(paths.messagingConfigPath) did not parse; moved it to \(aside) and started with messaging off")
        }
        // The reference spawns each enabled channel's watcher at boot; say why one cannot run.
        for failure in daemon.state.messaging.startEnabledWatchers() {
            logger.warning("messaging channel \(failure.channel.rawValue) is enabled but its watcher is down: \(failure.reason)")
        }

        termination.wait()
        logger.info("shutting down")
        daemon.shutdown()
        return 0
    }

    private static func mcpConfiguration(_ options: DaemonOptions, maxConnections: Int, maxSessions: Int) -> MCPConfiguration? {
        let host: String, port: Int, required: Bool
        switch options.mcpBind {
        case .disabled: return nil
        case .standard: (host, port, required) = ("127.0.0.1", 9102, false)
        case .address(let given, let givenPort): (host, port, required) = (given, givenPort, true)
        }
        var http = HTTPServerConfig(bindHost: host, port: port)
        http.idleTimeout = options.httpIdleTimeoutSeconds
        http.requestTimeout = options.httpRequestTimeoutSeconds
        http.maxConnections = maxConnections
        var mcp = MCPConfiguration(http: http, required: required)
        mcp.sessionIdleTimeout = options.mcpSessionIdleSeconds
        mcp.maxSessions = min(MCPConfiguration.defaultMaxSessions, maxSessions)
        return mcp
    }

    /// The A2A task log, opened (and repaired) before the daemon serves: on this thread,
    /// never the loop's.
    private static func openA2AStore(_ path: String, logger: Logger) throws -> A2ATaskLogStore {
        let result = Mutex<Result<A2ATaskLogStore, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        Task {
            let opened: Result<A2ATaskLogStore, any Error>
            do { opened = .success(try await A2ATaskLogStore.open(path: path)) } catch { opened = .failure(error) }
            result.withLock { $0 = opened }
            done.signal()
        }
        done.wait()
        let store = try result.withLock { $0! }.get()
        if store.repairedBytes > 0 { logger.warning("\(path): cut \(store.repairedBytes) bytes of a torn tail") }
        logger.info("A2A tasks in \(path) (\(store.count) kept)")
        return store
    }

    static func a2aConfiguration(_ options: DaemonOptions, maxConnections: Int) -> HTTPServerConfig? {
        guard case .address(let host, let port) = options.a2aBind else { return nil }
        var http = HTTPServerConfig(bindHost: host, port: port)
        http.idleTimeout = options.httpIdleTimeoutSeconds
        http.requestTimeout = options.httpRequestTimeoutSeconds
        http.maxConnections = maxConnections
        return http
    }

    static func dashboardConfiguration(_ options: DaemonOptions, maxConnections: Int) -> DashboardConfiguration? {
        let host: String, port: Int, required: Bool
        switch options.dashboardBind {
        case .disabled: return nil
        // Beside the WebSocket port, as the reference has it; port 0 (an ephemeral WebSocket
        // port) gets an ephemeral dashboard port too.
        case .standard: (host, port, required) = ("127.0.0.1", options.port == 0 || options.port == 65535 ? 0 : options.port + 1, false)
        case .address(let given, let givenPort): (host, port, required) = (given, givenPort, true)
        }
        var http = HTTPServerConfig(bindHost: host, port: port)
        http.idleTimeout = options.httpIdleTimeoutSeconds
        http.requestTimeout = options.httpRequestTimeoutSeconds
        http.maxConnections = maxConnections
        return DashboardConfiguration(http: http, required: required)
    }

    static func perPortSocket(_ path: String, port: Int) -> String {
        FileSystem.parent(of: path) + "/car-server-\(port).sock"
    }

    private static func hostForURL(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }

    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }

    private static func printError(_ message: String) {
        Logger(minimum: .trace).log(.error, message)
    }
}
