/// Listener addresses and the limits that keep one client from costing the server unbounded
/// memory or time.
public struct TransportConfig: Sendable {
    /// IPv4 or IPv6 literal; loopback by default (the daemon is a local service).
    public var bindHost: String
    /// 0 picks an ephemeral port (tests); the bound one is reported by `start()`.
    public var port: Int
    /// nil: no Unix socket listener.
    public var unixSocketPath: String?
    /// Largest reassembled message accepted; a bigger one is refused with close code 1009.
    public var maxMessageBytes: Int
    /// Bytes queued for a client that is not reading before it is disconnected.
    public var maxOutboundBytes: Int
    /// Connections beyond this are closed as soon as they are accepted.
    public var maxConnections: Int
    /// A client has this long to complete the HTTP upgrade.
    public var handshakeTimeout: Double
    /// How long a closing connection waits for the peer's close frame or FIN.
    public var closeTimeout: Double
    /// Which browser pages may open a WebSocket here (the `Origin` header); clients that send
    /// no Origin are not browsers and are unaffected.
    public var origins = OriginPolicy()

    public init(bindHost: String = "127.0.0.1", port: Int = 9100, unixSocketPath: String? = nil,
                maxMessageBytes: Int = 16 << 20, maxOutboundBytes: Int = 64 << 20, maxConnections: Int = 16_384,
                handshakeTimeout: Double = 10, closeTimeout: Double = 2) {
        self.bindHost = bindHost
        self.port = port
        self.unixSocketPath = unixSocketPath
        self.maxMessageBytes = maxMessageBytes
        self.maxOutboundBytes = max(maxOutboundBytes, maxMessageBytes + 1024)
        self.maxConnections = maxConnections
        self.handshakeTimeout = handshakeTimeout
        self.closeTimeout = closeTimeout
    }
}

/// Where the server actually listens once started.
public struct BoundAddresses: Sendable, Equatable {
    public var tcpPort: Int
    public var unixSocketPath: String?
    /// The MCP endpoint's URL (`http://127.0.0.1:9102/mcp`), when it serves.
    public var mcpURL: String?
    /// The dashboard's URL (`http://127.0.0.1:9101/`), when it serves.
    public var dashboardURL: String?

    public init(tcpPort: Int, unixSocketPath: String?, mcpURL: String? = nil) {
        self.tcpPort = tcpPort
        self.unixSocketPath = unixSocketPath
        self.mcpURL = mcpURL
    }
}

/// The Unix socket path answers connections: another daemon is alive there, and its socket
/// must not be unlinked.
public struct UnixSocketInUse: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var description: String { "\(path) is in use by a running server" }
}

/// Receives a connection's life on the event loop thread. Implementations must not block.
public protocol WebSocketServerDelegate: AnyObject, Sendable {
    func connectionOpened(_ connection: WebSocketConnection)
    func connection(_ connection: WebSocketConnection, receivedText bytes: [UInt8])
    func connection(_ connection: WebSocketConnection, receivedBinary bytes: [UInt8])
    func connectionClosed(_ connection: WebSocketConnection)
}
