import CarFiles
import CarTestSupport
import CarWebSocket
import Glibc
import Testing
@testable import CarServer

/// Upgrade validation, listeners, limits and shutdown of the transport.
@Suite("transport: connections, listeners and limits")
struct TransportLifecycleTests {
    static let validHeaders = "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", "426"),
        ("GET / HTTP/1.1\r\n\(validHeaders)Sec-WebSocket-Version: 8\r\n\r\n", "426"),
        ("POST / HTTP/1.1\r\n\(validHeaders)Sec-WebSocket-Version: 13\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n", "400"),
        ("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "400"),
    ])
    func rejectsBadUpgrades(_ request: String, _ status: String) throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port, handshake: false)
        defer { client.close() }
        try client.sendRaw(Array(request.utf8))
        let response = try client.readRawHTTPResponse()
        #expect(response.hasPrefix("HTTP/1.1 \(status)"), "\(response)")
        if status == "426" { #expect(response.contains("Sec-WebSocket-Version: 13")) }
        #expect(EchoServer.eventually { echo.server.connectionCount == 0 })
        #expect(echo.recorder.opened.load(ordering: .relaxed) == 0)
    }

    @Test func dropsAClientThatNeverCompletesTheUpgrade() throws {
        let echo = try EchoServer(TransportConfig(port: 0, handshakeTimeout: 0.2))
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port, handshake: false)
        defer { client.close() }
        try client.sendRaw(Array("GET / HTTP/1.1\r\n".utf8))
        #expect(EchoServer.eventually(3) { echo.server.connectionCount == 0 })
    }

    @Test func disconnectsAClientThatDoesNotReadInsteadOfBuffering() throws {
        let echo = try EchoServer(TransportConfig(port: 0, maxMessageBytes: 64 << 10, maxOutboundBytes: 1 << 20))
        defer { echo.stop() }
        let reader = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { reader.close() }
        let sluggard = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { sluggard.close() }
        // 64 MiB in total, far beyond the kernel's socket buffers plus the 1 MiB queue bound.
        try sluggard.sendText("flood:2048:32768")
        #expect(EchoServer.eventually { echo.recorder.closed.load(ordering: .relaxed) == 1 })
        #expect(echo.server.connectionCount == 1)
        try reader.sendText("unaffected")
        #expect(try reader.receiveJSONText() == "unaffected")
    }

    @Test func forgetsEveryConnectionAfterManyComeAndGo() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        for round in 0..<10 {
            let clients = try (0..<50).map { _ in try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port) }
            for client in clients { try client.sendText("r\(round)") }
            for client in clients { #expect(try client.receiveJSONText() == "r\(round)") }
            // Half leave politely, half just drop the TCP connection.
            for (index, client) in clients.enumerated() {
                if index % 2 == 0 { client.close() } else { client.dropConnection() }
            }
        }
        #expect(EchoServer.eventually { echo.server.connectionCount == 0 })
        #expect(echo.recorder.opened.load(ordering: .relaxed) == 500)
        #expect(echo.recorder.closed.load(ordering: .relaxed) == 500)
    }

    @Test func shutdownSendsGoingAwayAndRemovesTheSocketFile() throws {
        let directory = EchoServer.temporaryDirectory()
        let path = directory + "/run/car-server.sock"
        let echo = try EchoServer(TransportConfig(port: 0, unixSocketPath: path))
        let tcp = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        let unix = try WebSocketTestClient(unixPath: path)
        try unix.sendText("over unix")
        #expect(try unix.receiveJSONText() == "over unix")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        echo.stop()
        #expect(try tcp.receive() == .close(code: CloseCode.goingAway, reason: "server shutting down"))
        #expect(try unix.receive() == .close(code: CloseCode.goingAway, reason: "server shutting down"))
        #expect(access(path, F_OK) != 0, "the socket file must be removed")
        tcp.close()
        unix.close()
    }

    @Test func replacesAStaleSocketButNeverALiveOne() throws {
        let directory = EchoServer.temporaryDirectory()
        let path = directory + "/car-server.sock"
        // A stale socket: bound, then its owner vanished without unlinking it.
        let stale = try Sockets.listenUnix(path: path)
        close(stale.fd)
        let first = try EchoServer(TransportConfig(port: 0, unixSocketPath: path))
        defer { first.stop() }
        #expect(throws: UnixSocketInUse.self) { _ = try EchoServer(TransportConfig(port: 0, unixSocketPath: path)) }
        // The live daemon's socket is untouched and still answers.
        let client = try WebSocketTestClient(unixPath: path)
        defer { client.close() }
        try client.sendText("first is alive")
        #expect(try client.receiveJSONText() == "first is alive")
    }

    @Test func refusesToReplaceAFileThatIsNotASocket() throws {
        let path = EchoServer.temporaryDirectory() + "/not-a-socket"
        try FileSystem.writeAtomically(Array("keep me".utf8), to: path, mode: 0o600)
        #expect(throws: Sockets.NotASocket.self) { _ = try EchoServer(TransportConfig(port: 0, unixSocketPath: path)) }
        #expect(access(path, F_OK) == 0)
    }
}
