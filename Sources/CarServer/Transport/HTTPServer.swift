import CCarSystem
import CarHTTP
import Dispatch
import Glibc
import Synchronization

/// An HTTP/1.1 listener on the shared event loop: its connections and the route table that
/// says which handler serves a path. Knows no endpoint; MCP and the others are routes.
public final class HTTPServer: @unchecked Sendable {
    let config: HTTPServerConfig
    let routes: HTTPRouteTable
    let loop: EventLoop
    private let logLine: @Sendable (String) -> Void
    private let liveConnections = Atomic<Int>(0)
    private let nextConnectionID = Atomic<UInt64>(0)

    // Loop-confined.
    private var listener: Listener?
    private var connections: [UInt64: HTTPConnection] = [:]
    private(set) var stopping = false
    private var admission = ConnectionAdmission()
    private var drained: (() -> Void)?

    public init(config: HTTPServerConfig, routes: HTTPRouteTable, loop: EventLoop, log: @escaping @Sendable (String) -> Void = { _ in }) {
        self.config = config
        self.routes = routes
        self.loop = loop
        self.logLine = log
    }

    public var connectionCount: Int { liveConnections.load(ordering: .relaxed) }

    func log(_ message: String) { logLine(message) }

    /// Binds (errors surface here) and starts accepting; answers the bound port.
    public func start() throws -> Int {
        let tcp = try Sockets.listenTCP(host: config.bindHost, port: config.port)
        try loop.performAndWait { [self] in
            let listener = Listener(fd: tcp.fd, kind: .tcp, loop: loop, log: { [logLine] in logLine($0) }) { [unowned self] client, _ in
                accepted(client)
            }
            do {
                try loop.register(fd: tcp.fd, events: EPOLLIN.rawValue, handler: listener)
            } catch {
                close(tcp.fd)
                throw error
            }
            self.listener = listener
        }
        return tcp.port
    }

    private static let busy = Array("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nConnection: close\r\n\r\nthe server is at its connection limit\r\n".utf8)

    private func accepted(_ fd: Int32) {
        guard admission.admits(open: connections.count, max: config.maxConnections, stopping: stopping,
                               log: { log($0) }, what: "http: connection") else {
            // Said, not just closed: a client's pool then backs off instead of reporting a
            // broken connection. One small non-blocking send; it may not fit, and then the
            // close alone says it.
            _ = Self.busy.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            close(fd)
            return
        }
        SocketIO.setNoDelay(fd)
        let id = nextConnectionID.add(1, ordering: .relaxed).newValue
        let connection = HTTPConnection(id: id, fd: fd, peerDescription: Sockets.peerDescription(fd), server: self)
        do {
            try loop.register(fd: fd, events: HTTPConnection.readEvents, handler: connection)
        } catch {
            log("http: cannot watch a new connection: \(error)")
            close(fd)
            return
        }
        connections[id] = connection
        liveConnections.add(1, ordering: .relaxed)
        connection.started()
    }

    func connectionFinished(_ connection: HTTPConnection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        liveConnections.subtract(1, ordering: .relaxed)
        if connections.isEmpty, let drained {
            self.drained = nil
            drained()
        }
    }

    /// Stops accepting; idle connections close now, busy ones after their response (an open
    /// event stream is ended), and whatever is left after `timeout` seconds is dropped.
    /// Must not be called from the loop thread.
    public func shutdown(timeout: Double) {
        precondition(!loop.inLoop, "HTTPServer.shutdown blocks; call it off the event loop")
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in
            guard !stopping else {
                done.signal()
                return
            }
            stopping = true
            if let listener {
                loop.unregister(fd: listener.fd)
                close(listener.fd)
                self.listener = nil
            }
            if connections.isEmpty {
                done.signal()
                return
            }
            drained = { done.signal() }
            for connection in Array(connections.values) { connection.serverStopping() }
            loop.schedule(after: timeout) { [self] in
                for connection in Array(connections.values) { connection.finish() }
            }
        }
        _ = done.wait(timeout: .now() + timeout + 1)
    }
}
