import CarWebSocket
import Glibc

/// A deliberately simple blocking WebSocket client for tests: real sockets, poll() for every
/// wait so a misbehaving server fails a test instead of hanging it, and raw access to bytes
/// and frames so tests can send what a well-behaved client never would.
public final class WebSocketTestClient: @unchecked Sendable {
    public struct ConnectionClosed: Error, CustomStringConvertible {
        public var code: UInt16?
        public var description: String { "connection closed" + (code.map { " with \($0)" } ?? "") }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private var fd: Int32
    private var decoder = FrameDecoder(role: .client, maxMessageBytes: 256 << 20)
    private var pending: [UInt8] = []
    private let defaultTimeout: Double

    public init(tcpHost: String, port: Int, path: String = "/", handshake: Bool = true, timeout: Double = 5) throws {
        defaultTimeout = timeout
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, tcpHost, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to \(tcpHost):\(port) failed: errno \(errno)")
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(4))
        if handshake { try upgrade(path: path, host: "\(tcpHost):\(port)") }
    }

    public init(unixPath: String, handshake: Bool = true, timeout: Double = 5) throws {
        defaultTimeout = timeout
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(unixPath.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to \(unixPath) failed: errno \(errno)")
        }
        if handshake { try upgrade(path: "/", host: "localhost") }
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    private func upgrade(path: String, host: String) throws {
        var generator = SystemRandomNumberGenerator()
        let key = Base64.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try sendRaw(Array(("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8))
        let response = try readRawHTTPResponse()
        guard response.hasPrefix("HTTP/1.1 101"),
              response.contains("Sec-WebSocket-Accept: \(HTTPUpgrade.acceptValue(key: key))") else {
            throw Failure(description: "upgrade refused: \(response)")
        }
    }

    // MARK: Sending

    public func sendText(_ text: String) throws {
        try sendFrame(opcode: Opcode.text.rawValue, payload: Array(text.utf8))
    }

    public func sendBinary(_ bytes: [UInt8]) throws {
        try sendFrame(opcode: Opcode.binary.rawValue, payload: bytes)
    }

    /// Any frame, including invalid ones. `rsv` is OR-ed into the first byte (0x40 = RSV1).
    public func sendFrame(opcode: UInt8, payload: [UInt8], fin: Bool = true, masked: Bool = true, rsv: UInt8 = 0) throws {
        var frame: [UInt8] = []
        // Encode with a valid opcode, then patch the first byte: lets tests send reserved ones.
        let key: (UInt8, UInt8, UInt8, UInt8) = (0x37, 0xFA, 0x21, 0x3D)
        FrameEncoder.append(opcode: .binary, payload: payload, fin: fin, maskKey: masked ? key : nil, into: &frame)
        frame[0] = (fin ? 0x80 : 0) | (rsv & 0x70) | (opcode & 0x0F)
        try sendRaw(frame)
    }

    public func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw ConnectionClosed(code: nil)
            }
            offset += sent
        }
    }

    // MARK: Receiving

    /// Reads an HTTP response head (and its body, if it has a Content-Length). Bytes past it
    /// stay buffered for the frame decoder.
    public func readRawHTTPResponse(timeout: Double? = nil) throws -> String {
        let deadline = Self.now() + (timeout ?? defaultTimeout)
        while true {
            if let end = Self.find([13, 10, 13, 10], in: pending) {
                let head = String(decoding: pending[..<(end + 4)], as: UTF8.self)
                var total = end + 4
                if let line = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                   let length = Int(line.split(separator: ":")[1].trimmingCharacters()) {
                    total += length
                }
                if pending.count >= total {
                    let response = String(decoding: pending[..<total], as: UTF8.self)
                    pending.removeFirst(total)
                    decoder.append(pending)
                    pending = []
                    return response
                }
            }
            guard try readMore(until: deadline, into: &pending) else {
                if pending.isEmpty { throw Failure(description: "no HTTP response before the timeout") }
                return String(decoding: pending, as: UTF8.self)
            }
        }
    }

    /// The next message of any kind (close frames included); nil on timeout. Throws
    /// `ConnectionClosed` when the server closed TCP with nothing more to read.
    public func receive(timeout: Double? = nil) throws -> WebSocketMessage? {
        let deadline = Self.now() + (timeout ?? defaultTimeout)
        while true {
            if let message = try decoder.nextMessage() { return message }
            var bytes: [UInt8] = []
            guard try readMore(until: deadline, into: &bytes) else { return nil }
            decoder.append(bytes)
        }
    }

    /// The next text message, skipping pongs and answering pings; nil on timeout.
    public func receiveJSONText(timeout: Double? = nil) throws -> String? {
        let deadline = Self.now() + (timeout ?? defaultTimeout)
        while true {
            guard let message = try receive(timeout: max(0, deadline - Self.now())) else { return nil }
            switch message {
            case .text(let bytes): return String(decoding: bytes, as: UTF8.self)
            case .binary, .pong: continue
            case .ping(let payload): try sendFrame(opcode: Opcode.pong.rawValue, payload: payload)
            case .close(let code, _): throw ConnectionClosed(code: code)
            }
        }
    }

    /// Reads what is available, waiting until the deadline. False on timeout.
    private func readMore(until deadline: Double, into bytes: inout [UInt8]) throws -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let remaining = max(0, deadline - Self.now())
        let ready = poll(&descriptor, 1, Int32(remaining * 1000))
        if ready == 0 { return false }
        if ready < 0 { return errno == EINTR ? true : false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { throw ConnectionClosed(code: nil) }
        bytes.append(contentsOf: chunk[..<count])
        return true
    }

    // MARK: Closing

    /// A polite close: close frame 1000, then the socket. Idempotent.
    public func close() {
        guard fd >= 0 else { return }
        try? sendFrame(opcode: Opcode.close.rawValue, payload: FrameEncoder.closePayload(code: CloseCode.normal, reason: ""))
        dropConnection()
    }

    /// Closes the TCP connection without a close frame, as the official clients do.
    public func dropConnection() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    private static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
