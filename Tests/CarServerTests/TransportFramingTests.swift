import CarTestSupport
import CarWebSocket
import Testing
@testable import CarServer

/// RFC 6455 behaviour of the server over a real TCP socket.
@Suite("transport: frames over a real socket")
struct TransportFramingTests {
    @Test func echoesTextIncludingMultibyteUTF8() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        for text in ["hello", "héllo wörld ✓ 🚗", String(repeating: "a", count: 70_000)] {
            try client.sendText(text)
            #expect(try client.receiveJSONText() == text)
        }
    }

    @Test func answersPingWithPongCarryingThePayload() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        try client.sendFrame(opcode: 0x9, payload: Array("are you there".utf8))
        #expect(try client.receive() == .pong(Array("are you there".utf8)))
    }

    @Test func reassemblesFragmentsWithAPingBetweenThem() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        try client.sendFrame(opcode: 0x1, payload: Array("frag".utf8), fin: false)
        try client.sendFrame(opcode: 0x9, payload: [1, 2])
        try client.sendFrame(opcode: 0x0, payload: Array("men".utf8), fin: false)
        try client.sendFrame(opcode: 0x0, payload: Array("ted".utf8), fin: true)
        #expect(try client.receive() == .pong([1, 2]))
        #expect(try client.receive() == .text(Array("fragmented".utf8)))
    }

    @Test func routesBinaryFramesToTheBinaryHook() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        let audio: [UInt8] = (0..<300).map { UInt8($0 % 256) }
        try client.sendBinary(audio)
        #expect(try client.receive() == .binary(audio))
        #expect(echo.recorder.binary.withLock { $0 } == [audio])
    }

    @Test func processesAFramePipelinedWithTheUpgrade() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port, handshake: false)
        defer { client.close() }
        var request = Array(("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        FrameEncoder.append(opcode: .text, payload: Array("early".utf8), maskKey: (1, 2, 3, 4), into: &request)
        try client.sendRaw(request)
        let response = try client.readRawHTTPResponse()
        #expect(response.hasPrefix("HTTP/1.1 101"))
        #expect(response.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        #expect(try client.receive() == .text(Array("early".utf8)))
    }

    @Test(arguments: [
        (Failure.invalidUTF8, CloseCode.invalidPayload),
        (Failure.reservedBit, CloseCode.protocolError),
        (Failure.unknownOpcode, CloseCode.protocolError),
        (Failure.unmasked, CloseCode.protocolError),
        (Failure.oversized, CloseCode.messageTooBig),
        (Failure.fragmentedPing, CloseCode.protocolError),
    ])
    func closesWithTheRightCode(_ failure: Failure, _ code: UInt16) throws {
        let echo = try EchoServer(TransportConfig(port: 0, maxMessageBytes: 1024))
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        switch failure {
        case .invalidUTF8: try client.sendFrame(opcode: 0x1, payload: [0x68, 0xC3, 0x28])
        case .reservedBit: try client.sendFrame(opcode: 0x1, payload: Array("x".utf8), rsv: 0x40)
        case .unknownOpcode: try client.sendFrame(opcode: 0x3, payload: [])
        case .unmasked: try client.sendFrame(opcode: 0x1, payload: Array("x".utf8), masked: false)
        case .oversized: try client.sendFrame(opcode: 0x2, payload: [UInt8](repeating: 0, count: 2000))
        case .fragmentedPing: try client.sendFrame(opcode: 0x9, payload: [], fin: false)
        }
        guard case .close(let received, _)? = try client.receive() else {
            Issue.record("expected a close frame")
            return
        }
        #expect(received == code)
        // The server keeps serving others afterwards.
        let other = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { other.close() }
        try other.sendText("still here")
        #expect(try other.receiveJSONText() == "still here")
    }

    enum Failure: Sendable, CustomTestStringConvertible {
        case invalidUTF8, reservedBit, unknownOpcode, unmasked, oversized, fragmentedPing
        var testDescription: String { "\(self)" }
    }

    @Test func echoesTheClientsCloseCodeAndClosesTheSocket() throws {
        let echo = try EchoServer()
        defer { echo.stop() }
        let client = try WebSocketTestClient(tcpHost: "127.0.0.1", port: echo.port)
        defer { client.close() }
        try client.sendFrame(opcode: 0x8, payload: FrameEncoder.closePayload(code: 1000, reason: "bye"))
        #expect(try client.receive() == .close(code: 1000, reason: ""))
        #expect(throws: WebSocketTestClient.ConnectionClosed.self) { _ = try client.receive(timeout: 3) }
        #expect(EchoServer.eventually { echo.server.connectionCount == 0 && echo.recorder.closed.load(ordering: .relaxed) == 1 })
    }
}
