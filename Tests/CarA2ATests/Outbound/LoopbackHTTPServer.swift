import CarJSON
import Foundation
import Glibc
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1:<ephemeral> for the outbound client's tests: one request
/// per connection, answered from `handler` (canned JSON-RPC replies, redirects, delays, endless
/// bodies), every request recorded. Each connection gets its own thread so a reply that hangs
/// does not hold up the next one.
final class LoopbackHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// In arrival order, names as sent.
        var headers: [(name: String, value: String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        var json: JSONValue? { try? JSONParser.parse(body) }
        var rpcMethod: String? { json?["method"]?.stringValue }
        var rawHead: String { headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }
    }

    indirect enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)], body: [UInt8])
        /// Waits, then answers.
        case delayed(seconds: Double, Reply)
        /// A body without a length, `bytes` long, then the connection held open `holdSeconds`.
        case endless(bytes: Int, holdSeconds: Double, status: Int = 200, headers: [(String, String)] = [])

        static func json(_ value: JSONValue, status: Int = 200) -> Reply {
            .respond(status: status, headers: [("Content-Type", "application/json")], body: JSONWriter.bytes(value))
        }

        static func rpcResult(_ result: JSONValue, for request: Request) -> Reply {
            .json(["jsonrpc": "2.0", "id": request.json?["id"] ?? .null, "result": result])
        }

        static func rpcError(code: Int64, message: String, data: JSONValue? = nil, for request: Request) -> Reply {
            var error: [String: JSONValue] = ["code": .int(code), "message": .string(message)]
            if let data { error["data"] = data }
            return .json(["jsonrpc": "2.0", "id": request.json?["id"] ?? .null, "error": .object(error)])
        }

        static func redirect(_ status: Int = 307, to location: String) -> Reply {
            .respond(status: status, headers: [("Location", location)], body: [])
        }
    }

    typealias Handler = @Sendable (Request) -> Reply

    let port: Int
    private let listener: Int32
    private let handler: Handler
    private let recorded = Mutex<[Request]>([])
    private let stopped = Atomic<Bool>(false)

    var url: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { recorded.withLock { $0 } }

    init(_ handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// Polls until `condition` holds or `seconds` pass, sleeping without holding a thread of
    /// the cooperative pool (the client under test needs those to make progress).
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .acquiring) {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = readRequest(fd) else { return }
        recorded.withLock { $0.append(request) }
        answer(handler(request), on: fd)
    }

    private func answer(_ reply: Reply, on fd: Int32) {
        switch reply {
        case .respond(let status, let headers, let body):
            var head = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            _ = writeAll(fd, Array(head.utf8) + body)
        case .delayed(let seconds, let next):
            hold(fd, seconds: seconds)
            if !stopped.load(ordering: .acquiring) { answer(next, on: fd) }
        case .endless(let bytes, let holdSeconds, let status, let headers):
            var head = "HTTP/1.1 \(status) OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            guard writeAll(fd, Array(head.utf8)) else { return }
            let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 16 << 10)
            var sent = 0
            while sent < bytes, !stopped.load(ordering: .acquiring) {
                guard writeAll(fd, chunk) else { return }
                sent += chunk.count
            }
            hold(fd, seconds: holdSeconds)
        }
    }

    /// Sleeps up to `seconds`, returning early when the client hangs up or the server stops.
    private func hold(_ fd: Int32, seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !stopped.load(ordering: .acquiring) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 20) > 0 {
                var byte: UInt8 = 0
                if recv(fd, &byte, 1, Int32(MSG_PEEK)) <= 0 { return }
            }
        }
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            if written < 0 { if errno == EINTR { continue }; return false }
            offset += written
        }
        return true
    }

    private func readRequest(_ fd: Int32) -> Request? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        var headEnd: Int?
        while headEnd == nil {
            guard buffer.count < 64 << 10 else { return nil }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<count])
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(name: String, value: String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: [])
        let length = min(Int(request.header("Content-Length") ?? "0") ?? 0, 16 << 20)
        var body = Array(buffer[(headEnd! + 4)...])
        while body.count < length {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if count <= 0 { break }
            body.append(contentsOf: chunk[0..<count])
        }
        request.body = Array(body.prefix(length))
        return request
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}
