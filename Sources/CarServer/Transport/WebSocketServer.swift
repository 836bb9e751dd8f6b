import CCarSystem
import Dispatch
import Glibc
import Synchronization

/// The WebSocket server: TCP and Unix listeners and their connections, all on one event
/// loop. Knows nothing of JSON-RPC; the delegate gets whole messages.
public final class WebSocketServer: @unchecked Sendable {
    let delegate: any WebSocketServerDelegate
    private let config: TransportConfig
    private let loop: EventLoop
    private let logLine: @Sendable (String) -> Void
    private let liveConnections = Atomic<Int>(0)
    private let nextConnectionID = Atomic<UInt64>(0)

    // Loop-confined.
    private var listeners: [Listener] = []
    private var connections: [UInt64: WebSocketConnection] = [:]
    private var unixSocket: (path: String, identity: FileIdentity)?
    private var stopping = false
    private var admission = ConnectionAdmission()
    private var drained: (() -> Void)?

    public init(config: TransportConfig, loop: EventLoop, delegate: any WebSocketServerDelegate,
                log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.config = config
        self.loop = loop
        self.delegate = delegate
        self.logLine = log
    }

    public var connectionCount: Int { liveConnections.load(ordering: .relaxed) }

    func log(_ message: String) { logLine(message) }

    /// Binds the listeners (errors surface here, synchronously) and starts accepting.
    public func start() throws -> BoundAddresses {
        let tcp = try Sockets.listenTCP(host: config.bindHost, port: config.port)
        let unix: (fd: Int32, identity: FileIdentity)?
        do {
            unix = try config.unixSocketPath.map { try Sockets.listenUnix(path: $0) }
        } catch {
            close(tcp.fd)
            throw error
        }
        try loop.performAndWait { [self] in
            try add(listener: tcp.fd, kind: .tcp)
            if let unix, let path = config.unixSocketPath {
                try add(listener: unix.fd, kind: .unix)
                unixSocket = (path, unix.identity)
            }
        }
        return BoundAddresses(tcpPort: tcp.port, unixSocketPath: unix == nil ? nil : config.unixSocketPath)
    }

    private func add(listener fd: Int32, kind: Listener.Kind) throws {
        let listener = Listener(fd: fd, kind: kind, loop: loop, log: { [logLine] in logLine($0) }) { [unowned self] client, kind in
            accepted(client, kind: kind)
        }
        try loop.register(fd: fd, events: EPOLLIN.rawValue, handler: listener)
        listeners.append(listener)
    }

    private func accepted(_ fd: Int32, kind: Listener.Kind) {
        guard admission.admits(open: connections.count, max: config.maxConnections, stopping: stopping,
                               log: { log($0) }, what: "connection (from the descriptor limit)") else {
            close(fd)
            return
        }
        if kind == .tcp { SocketIO.setNoDelay(fd) }
        let id = nextConnectionID.add(1, ordering: .relaxed).newValue
        let peer = kind == .tcp ? Sockets.peerDescription(fd) : "unix"
        let connection = WebSocketConnection(id: id, fd: fd, peerDescription: peer, server: self, loop: loop, limits: config)
        do {
            try loop.register(fd: fd, events: WebSocketConnection.readEvents, handler: connection)
        } catch {
            log("cannot watch a new connection: \(error)")
            close(fd)
            return
        }
        connections[id] = connection
        liveConnections.add(1, ordering: .relaxed)
        connection.started()
    }

    func connectionFinished(_ connection: WebSocketConnection, notifyDelegate: Bool) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        liveConnections.subtract(1, ordering: .relaxed)
        if notifyDelegate { delegate.connectionClosed(connection) }
        if connections.isEmpty, let drained {
            self.drained = nil
            drained()
        }
    }

    /// Stops accepting, sends every client a close frame with `closeCode`, waits up to
    /// `timeout` seconds for them to go, then drops the rest and removes our socket file.
    /// Must not be called from the loop thread.
    public func shutdown(closeCode: UInt16, timeout: Double) {
        precondition(!loop.inLoop, "WebSocketServer.shutdown blocks; call it off the event loop")
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            guard !stopping else {
                done.signal()
                return
            }
            stopping = true
            closeListeners()
            if connections.isEmpty {
                done.signal()
                return
            }
            drained = { done.signal() }
            for connection in connections.values { connection.close(code: closeCode, reason: "server shutting down") }
            loop.schedule(after: timeout) { [self] in
                for connection in Array(connections.values) { connection.finish() }
            }
        }
        // The loop's own timer ends the wait; the extra second covers a loop that is wedged.
        _ = done.wait(timeout: .now() + timeout + 1)
    }

    private func closeListeners() {
        for listener in listeners {
            loop.unregister(fd: listener.fd)
            close(listener.fd)
        }
        listeners = []
        // Another daemon may have replaced the file since; only our own socket is removed.
        if let unixSocket, FileIdentity(path: unixSocket.path) == unixSocket.identity {
            unlink(unixSocket.path)
        }
        unixSocket = nil
    }
}
