import CarHost
import CarGenerated
import CarHandlers
import Glibc
import CarIO
import CarRPC
import CarWebSocket

/// Everything needed to run a daemon in a process: what the CLI builds from flags, and what
/// an embedder or a test builds directly.
public struct DaemonConfiguration: Sendable {
    public var transport: TransportConfig
    public var state: ServerStateConfig
    public var logger: Logger
    /// Where binary frames go (voice audio later); the default drops them.
    public var binaryFrames: @Sendable (ClientSession, [UInt8]) -> Void

    public init(transport: TransportConfig, state: ServerStateConfig, logger: Logger = Logger(),
                binaryFrames: @escaping @Sendable (ClientSession, [UInt8]) -> Void = { _, _ in }) {
        self.transport = transport
        self.state = state
        self.logger = logger
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

    public init(configuration: DaemonConfiguration) {
        self.configuration = configuration
        self.state = ServerState(config: configuration.state)
        let logger = configuration.logger
        self.loop = EventLoop(stallLog: { logger.warning($0) })
        let dispatcher = CarHandler(state: state).makeDispatcher(
            approvals: HostApprovalGate(host: state.host, config: state.config.approvalGate), log: { logger.error($0) })
        self.handler = RPCConnectionHandler(state: state, dispatcher: dispatcher, executor: loop, logger: logger,
                                            binaryFrames: configuration.binaryFrames)
        self.server = WebSocketServer(config: configuration.transport, loop: loop, delegate: handler,
                                      log: { logger.info($0) })
    }

    /// Binds the listeners and starts serving. Throws when the TCP address is taken or the
    /// Unix socket cannot be bound.
    public func start() throws -> BoundAddresses {
        try server.start()
    }

    /// Every request cancelled, close frames 1001 to every client, listeners closed, our
    /// socket file removed; then up to 2 s more for the cancelled handlers to end before the
    /// loop stops (a handler that ignores cancellation past that is abandoned, and nothing it
    /// does afterwards reaches the stopped loop).
    public func shutdown() {
        handler.cancelAllRequests()
        server.shutdown(closeCode: CloseCode.goingAway, timeout: 2.0)
        let giveUp = MonotonicClock.nanoseconds() + 2_000_000_000
        while handler.runningRequests > 0, MonotonicClock.nanoseconds() < giveUp { usleep(5_000) }
        loop.shutdown()
    }

    public var connectionCount: Int { server.connectionCount }
}
