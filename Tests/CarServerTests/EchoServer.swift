import CarIO
import CarWebSocket
import Glibc
import Synchronization
@testable import CarServer

/// A WebSocket server whose delegate echoes what it gets, for transport tests that need no
/// JSON-RPC. Text "flood:N:SIZE" makes it send N messages of SIZE bytes without waiting.
final class EchoServer: Sendable {
    final class Recorder: WebSocketServerDelegate {
        let opened = Atomic<Int>(0)
        let closed = Atomic<Int>(0)
        let binary = Mutex<[[UInt8]]>([])

        func connectionOpened(_ connection: WebSocketConnection) { opened.add(1, ordering: .relaxed) }

        func connection(_ connection: WebSocketConnection, receivedText bytes: [UInt8]) {
            let text = String(decoding: bytes, as: UTF8.self)
            if text.hasPrefix("flood:") {
                let parts = text.split(separator: ":")
                let count = Int(parts[1]) ?? 0
                let size = Int(parts[2]) ?? 0
                let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
                for _ in 0..<count { connection.sendText(payload) }
                return
            }
            connection.sendText(bytes)
        }

        func connection(_ connection: WebSocketConnection, receivedBinary bytes: [UInt8]) {
            binary.withLock { $0.append(bytes) }
            connection.sendBinary(bytes)
        }

        func connectionClosed(_ connection: WebSocketConnection) { closed.add(1, ordering: .relaxed) }
    }

    let loop = EventLoop(name: "echo-test-loop")
    let recorder = Recorder()
    let server: WebSocketServer
    let addresses: BoundAddresses

    init(_ config: TransportConfig = TransportConfig(port: 0)) throws {
        server = WebSocketServer(config: config, loop: loop, delegate: recorder)
        addresses = try server.start()
    }

    var port: Int { addresses.tcpPort }

    func stop() {
        server.shutdown(closeCode: CloseCode.goingAway, timeout: 1)
        loop.shutdown()
    }

    /// Polls until `condition` holds or `seconds` pass; tests assert on the result.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = MonotonicClock.nanoseconds() + UInt64(seconds * 1e9)
        while MonotonicClock.nanoseconds() < deadline {
            if condition() { return true }
            usleep(5_000)
        }
        return condition()
    }

    static func temporaryDirectory() -> String {
        var template = Array("/tmp/car-transport-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
}
