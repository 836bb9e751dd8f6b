import CarWebSocket

/// A deliberately simple blocking WebSocket client for tests: real sockets, a deadline on
/// every wait so a misbehaving server fails a test instead of hanging it, and raw access to
/// bytes and frames so tests can send what a well-behaved client never would.
public final class WebSocketTestClient: @unchecked Sendable {
    /// The server ended the connection: `code` is its close frame's code, nil when TCP
    /// closed without one (or the frame had no code).
    public struct ConnectionClosed: Error, CustomStringConvertible {
        public var code: UInt16?

        public init(code: UInt16? = nil) {
            self.code = code
        }

        public var description: String { "connection closed" + (code.map { " with \($0)" } ?? "") }
    }

    /// Anything else that went wrong: resolving, connecting, a refused upgrade, a timeout.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let socket: TestSocket
    private var decoder = FrameDecoder(role: .client, maxMessageBytes: 256 << 20)
    /// Bytes of an HTTP response not yet complete.
    private var pending: [UInt8] = []
    private let defaultTimeout: Double
    private var random = SystemRandomNumberGenerator()

    /// Connects over TCP; with `handshake`, performs the upgrade and checks the server's
    /// Sec-WebSocket-Accept. Every later call without a timeout of its own waits `timeout`.
    public init(tcpHost: String, port: Int, path: String = "/", handshake: Bool = true, timeout: Double = 5) throws {
        defaultTimeout = timeout
        socket = try TestSocket.connect(host: tcpHost, port: port, timeout: timeout)
        let host = tcpHost.contains(":") ? "[\(tcpHost)]:\(port)" : "\(tcpHost):\(port)"
        if handshake { try upgrade(path: path, host: host) }
    }

    public init(unixPath: String, handshake: Bool = true, timeout: Double = 5) throws {
        defaultTimeout = timeout
        socket = try TestSocket.connect(unixPath: unixPath, timeout: timeout)
        if handshake { try upgrade(path: "/", host: "localhost") }
    }

    private func upgrade(path: String, host: String) throws {
        let key = Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        try sendRaw(Array(("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        let response = try readRawHTTPResponse()
        let lines = response.split(separator: "\r\n")
        let expected = HTTPUpgrade.acceptValue(key: key)
        guard lines.first?.hasPrefix("HTTP/1.1 101") == true, Self.headerValue("Sec-WebSocket-Accept", in: lines) == expected else {
            throw Failure(description: "upgrade refused or not verifiable: \(response)")
        }
    }

    /// The value of the first header called `name` (any case), trimmed.
    private static func headerValue(_ name: String, in lines: [Substring]) -> String? {
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name.lowercased() else { continue }
            return String(parts[1].drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
        }
        return nil
    }

    // MARK: Sending

    /// One masked, final text frame.
    public func sendText(_ text: String) throws {
        try sendFrame(opcode: Opcode.text.rawValue, payload: Array(text.utf8))
    }

    public func sendBinary(_ bytes: [UInt8]) throws {
        try sendFrame(opcode: Opcode.binary.rawValue, payload: bytes)
    }

    /// Any frame, including invalid ones: `opcode` is raw so reserved values can be sent, and
    /// `rsv` is OR-ed into the first byte as is (0x40 = RSV1, 0x20 = RSV2, 0x10 = RSV3). The
    /// payload length is not checked, so oversized control frames can be sent too.
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
        var frame: [UInt8] = []
        let key = masked ? (random.next() as UInt8, random.next() as UInt8, random.next() as UInt8, random.next() as UInt8) : nil
        // Encode with some valid opcode, then patch the first byte to the one asked for.
        FrameEncoder.append(opcode: .binary, payload: payload, fin: fin, maskKey: key, into: &frame)
        frame[0] = (fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0x0F)
        try sendRaw(frame)
    }

    public func sendRaw(_ bytes: [UInt8]) throws {
        try socket.sendAll(bytes, until: Deadline(after: defaultTimeout))
    }

    // MARK: Receiving

    /// Reads an HTTP response head, and its body when it has a Content-Length. Bytes past it
    /// (frames the server sent right after a 101) stay buffered for `receive`. If the server
    /// closes or the timeout passes first, returns what arrived, if anything.
    public func readRawHTTPResponse(timeout: Double? = nil) throws -> String {
        let deadline = Deadline(after: timeout ?? defaultTimeout)
        while true {
            if let length = Self.completeResponseLength(pending) {
                let response = String(decoding: pending[..<length], as: UTF8.self)
                decoder.append(Array(pending[length...]))
                pending = []
                return response
            }
            let gotMore: Bool
            do {
                gotMore = try socket.read(until: deadline) { pending.append(contentsOf: $0) }
            } catch let closed as ConnectionClosed {
                guard !pending.isEmpty else { throw closed }
                gotMore = false
            }
            if !gotMore {
                guard !pending.isEmpty else { throw Failure(description: "no HTTP response before the timeout") }
                defer { pending = [] }
                return String(decoding: pending, as: UTF8.self)
            }
        }
    }

    /// The next message of any kind (close frames included); nil on timeout. Throws
    /// `ConnectionClosed` when the server closed TCP with no complete message left to read,
    /// and `WebSocketProtocolError` when the server broke RFC 6455.
    public func receive(timeout: Double? = nil) throws -> WebSocketMessage? {
        let deadline = Deadline(after: timeout ?? defaultTimeout)
        while true {
            if let message = try decoder.nextMessage() { return message }
            guard try socket.read(until: deadline, { decoder.append($0) }) else { return nil }
        }
    }

    /// The next text message, skipping binary messages and pongs and answering pings; nil on
    /// timeout. A close frame or end of stream throws `ConnectionClosed`.
    public func receiveJSONText(timeout: Double? = nil) throws -> String? {
        let deadline = Deadline(after: timeout ?? defaultTimeout)
        while true {
            // Once the deadline has passed this still returns what is already buffered.
            guard let message = try receive(timeout: deadline.remaining) else { return nil }
            switch message {
            case .text(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .binary, .pong: continue
            case .ping(let payload): try sendFrame(opcode: Opcode.pong.rawValue, payload: payload)
            case .close(let code, _): throw ConnectionClosed(code: code)
            }
        }
    }

    // MARK: Closing

    /// A polite close: close frame 1000, end of stream, then the socket. Best effort (the
    /// server may be gone already) and idempotent.
    public func close() {
        guard socket.isOpen else { return }
        try? sendFrame(opcode: Opcode.close.rawValue, payload: FrameEncoder.closePayload(code: CloseCode.normal, reason: ""))
        socket.shutdownWrite()
        socket.close()
    }

    /// Closes the TCP connection without a close frame, as some real clients do.
    public func dropConnection() {
        socket.close()
    }

    /// The length of a complete response at the start of `bytes`: head, blank line, and the
    /// Content-Length bytes of body if the head announces them.
    private static func completeResponseLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4, let headEnd = (0...(bytes.count - 4)).first(where: {
            bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10
        }) else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        var total = headEnd + 4
        if let length = headerValue("Content-Length", in: head.split(separator: "\r\n")) { total += Int(length) ?? 0 }
        return bytes.count >= total ? total : nil
    }
}
