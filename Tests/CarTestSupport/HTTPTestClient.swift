/// A small HTTP/1.1 client over a real socket for transport tests: it sends whatever bytes a
/// test writes (well-formed or not) and reads responses with Content-Length, chunked or
/// until-close bodies. Every wait is bounded.
public final class HTTPTestClient: @unchecked Sendable {
    public struct Response: Sendable {
        public var status: Int
        /// Lowercased names.
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let socket: TestSocket
    private var buffer: [UInt8] = []
    private let timeout: Double

    public init(port: Int, host: String = "127.0.0.1", timeout: Double = 5) throws {
        socket = try TestSocket.connect(host: host, port: port, timeout: timeout)
        self.timeout = timeout
    }

    public func sendRaw(_ bytes: [UInt8]) throws {
        try socket.sendAll(bytes, until: Deadline(after: timeout))
    }

    public func sendRaw(_ text: String) throws { try sendRaw(Array(text.utf8)) }

    /// Writes one request; Content-Length is added for a body.
    public func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try sendRaw(Array(text.utf8) + (body ?? []))
    }

    public func request(_ method: String, _ path: String, headers: [(String, String)] = [], body: String? = nil) throws -> Response {
        try send(method, path, headers: headers, body: body.map { Array($0.utf8) })
        return try readResponse(forHead: method == "HEAD")
    }

    /// The next response, whole. An event stream is read to its end.
    public func readResponse(forHead: Bool = false, timeout: Double? = nil) throws -> Response {
        let deadline = Deadline(after: timeout ?? self.timeout)
        let (status, headers) = try readHead(deadline)
        let response = Response(status: status, headers: headers, body: [])
        if forHead || status == 204 || status == 304 || (100..<200).contains(status) { return response }
        var body: [UInt8] = []
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            while let chunk = try readChunk(deadline) { body += chunk }
        } else if let length = response.header("content-length").flatMap(Int.init) {
            body = try readExactly(length, deadline)
        } else {
            body = try readToClose(deadline)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Status and headers only, for a stream read piece by piece with `readChunk`.
    public func readHead(timeout: Double? = nil) throws -> Response {
        let (status, headers) = try readHead(Deadline(after: timeout ?? self.timeout))
        return Response(status: status, headers: headers, body: [])
    }

    /// One chunk of a chunked body; nil at the last (zero) chunk.
    public func readChunk(timeout: Double? = nil) throws -> [UInt8]? {
        try readChunk(Deadline(after: timeout ?? self.timeout))
    }

    /// True when the server closed the connection within `timeout` (nothing more to read).
    public func isClosedByServer(within timeout: Double) -> Bool {
        let deadline = Deadline(after: timeout)
        do {
            while !deadline.hasPassed {
                _ = try socket.read(until: deadline) { buffer.append(contentsOf: $0) }
            }
            return false
        } catch {
            return true
        }
    }

    public func close() { socket.close() }

    // MARK: Reading

    private func readHead(_ deadline: Deadline) throws -> (Int, [(name: String, value: String)]) {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
                let statusLine = lines.removeFirst().split(separator: " ")
                guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
                    throw WebSocketTestClient.Failure(description: "bad status line in \(head)")
                }
                let headers = lines.compactMap { line -> (name: String, value: String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: " \t"))
                }
                return (status, headers)
            }
            try fill(deadline)
        }
    }

    private func readChunk(_ deadline: Deadline) throws -> [UInt8]? {
        let line = try readLine(deadline)
        guard let size = Int(line.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
            throw WebSocketTestClient.Failure(description: "bad chunk size line '\(line)'")
        }
        if size == 0 {
            _ = try readLine(deadline)
            return nil
        }
        let bytes = try readExactly(size, deadline)
        _ = try readLine(deadline)
        return bytes
    }

    private func readLine(_ deadline: Deadline) throws -> String {
        while true {
            if let end = Self.find([13, 10], in: buffer) {
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 2)
                return line
            }
            try fill(deadline)
        }
    }

    private func readExactly(_ count: Int, _ deadline: Deadline) throws -> [UInt8] {
        while buffer.count < count { try fill(deadline) }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func readToClose(_ deadline: Deadline) throws -> [UInt8] {
        do {
            while true { try fill(deadline) }
        } catch is WebSocketTestClient.ConnectionClosed {
            defer { buffer = [] }
            return buffer
        }
    }

    private func fill(_ deadline: Deadline) throws {
        guard try socket.read(until: deadline, { buffer.append(contentsOf: $0) }) else {
            throw WebSocketTestClient.Failure(description: "no response in time (have \(buffer.count) bytes)")
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<(index + needle.count)]) == needle { return index }
        }
        return nil
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text.removeFirst() }
        while let last = text.last, set.contains(last) { text.removeLast() }
        return String(text)
    }
}
