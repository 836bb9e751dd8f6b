// The MCP load generator: `car-bench mcp MODE URL [options]`, a raw-socket HTTP/1.1 client
// (keep-alive, one connection per thread) that drives any streamable-HTTP MCP server the same
// way, ours or the SDK anchor (scripts/mcp/anchor_server.py).
//
//   car-bench mcp call URL   [--threads N] [--seconds S] [--warmup S] [--requests N] [--k K] [--tool T] [--label L]
//   car-bench mcp health URL [--threads N] [--seconds S] [--warmup S] [--requests N] [--label L]
//   car-bench mcp seed URL   [--facts N] [--label L]
//
// URL is http://HOST:PORT/PATH (e.g. http://127.0.0.1:9102/mcp; health mode GETs PATH/health).
// The bearer token, when the server wants one, comes from CAR_MCP_TOKEN in the environment
// (never from argv, never printed).
//
// Per connection (call and seed): POST initialize (2025-11-25), read Mcp-Session-Id, POST
// notifications/initialized (must be 2xx; 202 expected, anything else is counted in
// `odd_initialized`), then repeated POST tools/call memory_query {query, k} with Mcp-Session-Id
// and MCP-Protocol-Version, the query cycling through a fixed list (--tool T calls tool T with
// {} instead: memory_fact_count measures the transport and dispatch without the query engine);
// at the end a DELETE of the session. Answers may be application/json or text/event-stream (SSE data: lines, chunked or
// not; the stream is read to its end, which a server closes after the response); each must be
// HTTP 200 carrying the JSON-RPC result for the request's id, without isError: anything else
// counts as an error. A dropped connection is reopened (same session) and counted.
// Seed adds N synthetic facts (syntheticFact, the memory benchmark's) through memory_add_fact,
// one at a time, so both servers get the same graph.
// Timing: all threads start together, requests during --warmup (default 0.5 s) are not counted,
// then --seconds (default 3) are, or --requests per thread when given. Prints one line:
//   mcp-bench label=L mode=M threads=N requests=R errors=E seconds=S rps=X p50_us=A p99_us=B
//     max_us=C reconnects=K content_type=T client_cpu=P% client_user=U%
// client_cpu is this process's CPU time over the wall time (100% = one core busy), so a reader
// can see whether the generator itself was the limit; client_user is its user-space part (the
// rest is the kernel's, which on loopback includes TCP delivery to the server's socket).
import CarJSON
import Glibc

struct MCPBenchOptions {
    var mode = ""
    var host = "127.0.0.1"
    var port: UInt16 = 0
    var path = "/mcp"
    var threads = 1
    var seconds = 3.0
    var warmup = 0.5
    var requests: Int? = nil
    var facts = 1000
    var k = 5
    var label = "server"
    var token: String? = nil
    /// call mode: this tool with {} instead of memory_query.
    var tool: String? = nil
}

let mcpQueries = ["which database does billing use", "how is the deploy service monitored", "what does search depend on",
                  "tenant 42 export requirements", "typescript tests with vitest", "redis cache in region 3",
                  "auth service requires oauth", "queue prefers kafka", "schema documents graphql", "metrics monitors sentry",
                  "backup replaces s3", "email avoids nginx", "pricing uses stripe", "onboarding depends on react",
                  "sync service in region 7", "audit tenant 100"]

/// Why one exchange failed (counted, and the first few printed).
struct MCPBenchError: Error, CustomStringConvertible { var description: String }

/// One parsed HTTP response: status, the headers the bench needs, the body (for an SSE answer,
/// the data of the event that carries the JSON-RPC response).
struct HTTPReply {
    var status = 0
    var isSSE = false
    /// Filled only while the connection's `wantContentType` is set (for the report).
    var contentType = ""
    var sessionID: String? = nil
    var close = false
    var body: [UInt8] = []
}

/// A blocking keep-alive HTTP/1.1 connection with a 15 s receive and send timeout.
final class BenchHTTPConnection {
    let host: String
    let port: UInt16
    private(set) var fd: Int32 = -1
    private var buffer = [UInt8](repeating: 0, count: 256 << 10)
    private var start = 0
    private var end = 0
    /// Whether `receive` fills in HTTPReply.contentType (a String per response otherwise saved).
    var wantContentType = true

    init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    func open() throws {
        close()
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw MCPBenchError(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            Glibc.close(socketFD)
            throw MCPBenchError(description: "not an IPv4 address: \(host)")
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let code = errno
            Glibc.close(socketFD)
            throw MCPBenchError(description: "connect \(host):\(port): errno \(code)")
        }
        var one: Int32 = 1
        setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(socketFD, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socketFD, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        fd = socketFD
        start = 0
        end = 0
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        try bytes.withUnsafeBytes { raw in
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw MCPBenchError(description: "send: errno \(errno)")
                }
                sent += n
            }
        }
    }

    /// Reads more bytes into the buffer (compacting or growing it first when full).
    private func fill() throws {
        if start == end {
            start = 0
            end = 0
        }
        if start > 0 && end == buffer.count {
            buffer.withUnsafeMutableBytes { raw in
                _ = memmove(raw.baseAddress!, raw.baseAddress! + start, end - start)
            }
            end -= start
            start = 0
        }
        if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress! + end, raw.count - end, 0) }
            if n > 0 {
                end += n
                return
            }
            if n == 0 { throw MCPBenchError(description: "connection closed by the server") }
            if errno == EINTR { continue }
            throw MCPBenchError(description: errno == EAGAIN ? "no answer within 15 s" : "recv: errno \(errno)")
        }
    }

    /// The index just past the next CRLF at or after `from`, reading as needed.
    private func line(from: Int) throws -> Int {
        var index = from
        while true {
            while index + 1 < end {
                if buffer[index] == 13 && buffer[index + 1] == 10 { return index + 2 }
                index += 1
            }
            let offset = start
            try fill()
            index -= offset - start  // fill may have moved the bytes to the front
        }
    }

    private func take(_ count: Int, into body: inout [UInt8]) throws {
        var remaining = count
        while remaining > 0 {
            if start == end { try fill() }
            let n = min(remaining, end - start)
            body.append(contentsOf: buffer[start..<(start + n)])
            start += n
            remaining -= n
        }
    }

    func receive(method: String) throws -> HTTPReply {
        var reply = HTTPReply()
        // Head: lines up to the empty one, read as bytes (the generator must stay cheap).
        var length: Int? = nil
        var chunked = false
        var first = true
        while true {
            let lineEnd = try line(from: start)
            let lineStart = start
            let contentEnd = lineEnd - 2
            start = lineEnd
            if contentEnd == lineStart { break }
            if first {
                first = false
                // "HTTP/1.x SSS ..."
                guard contentEnd - lineStart >= 12, buffer[lineStart..<(lineStart + 7)].elementsEqual("HTTP/1.".utf8),
                      let status = decimal(buffer[(lineStart + 9)..<(lineStart + 12)]) else {
                    throw MCPBenchError(description: "bad status line: \(String(decoding: buffer[lineStart..<contentEnd].prefix(80), as: UTF8.self))")
                }
                reply.status = status
                if buffer[lineStart + 7] == UInt8(ascii: "0") { reply.close = true }
                continue
            }
            guard let colon = buffer[lineStart..<contentEnd].firstIndex(of: UInt8(ascii: ":")) else {
                throw MCPBenchError(description: "bad header: \(String(decoding: buffer[lineStart..<contentEnd].prefix(80), as: UTF8.self))")
            }
            let name = buffer[lineStart..<colon]
            var valueStart = colon + 1
            var valueEnd = contentEnd
            while valueStart < valueEnd, buffer[valueStart] == 32 || buffer[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, buffer[valueEnd - 1] == 32 || buffer[valueEnd - 1] == 9 { valueEnd -= 1 }
            let value = buffer[valueStart..<valueEnd]
            if sameLetters(name, "content-length") {
                length = decimal(value)
            } else if sameLetters(name, "transfer-encoding") {
                chunked = containsLetters(value, "chunked")
            } else if sameLetters(name, "content-type") {
                reply.isSSE = value.count >= 17 && sameLetters(value.prefix(17), "text/event-stream")
                if wantContentType { reply.contentType = String(decoding: value, as: UTF8.self) }
            } else if sameLetters(name, "mcp-session-id") {
                reply.sessionID = String(decoding: value, as: UTF8.self)
            } else if sameLetters(name, "connection") {
                if containsLetters(value, "close") { reply.close = true }
            }
        }
        var body: [UInt8] = []
        let bodiless = method == "HEAD" || reply.status == 204 || reply.status == 304 || (100..<200).contains(reply.status)
        if bodiless {
        } else if chunked {
            while true {
                let lineEnd = try line(from: start)
                var size = 0
                var digits = 0
                for byte in buffer[start..<(lineEnd - 2)] {
                    let digit: Int
                    switch byte {
                    case 48...57: digit = Int(byte - 48)
                    case 65...70: digit = Int(byte - 55)
                    case 97...102: digit = Int(byte - 87)
                    default: digit = -1
                    }
                    if digit < 0 { break }
                    size = size * 16 + digit
                    digits += 1
                }
                start = lineEnd
                guard digits > 0, digits <= 15 else { throw MCPBenchError(description: "bad chunk size") }
                if size == 0 {
                    while true {  // trailers
                        let trailerEnd = try line(from: start)
                        let empty = trailerEnd - start == 2
                        start = trailerEnd
                        if empty { break }
                    }
                    break
                }
                try take(size, into: &body)
                let crlf = try line(from: start)
                start = crlf
            }
        } else if let length {
            try take(length, into: &body)
        } else {
            reply.close = true
            while true {
                if start < end {
                    body.append(contentsOf: buffer[start..<end])
                    start = end
                }
                do { try fill() } catch { break }
            }
        }
        if reply.isSSE {
            reply.body = sseResponse(body)
        } else {
            reply.body = body
        }
        return reply
    }
}

/// A non-negative decimal number, or nil.
func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
    guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
    var value = 0
    for byte in bytes {
        guard byte >= 48, byte <= 57 else { return nil }
        value = value * 10 + Int(byte - 48)
    }
    return value
}

/// ASCII case-insensitive equality with a lower-case literal.
func sameLetters(_ bytes: ArraySlice<UInt8>, _ lower: StaticString) -> Bool {
    guard bytes.count == lower.utf8CodeUnitCount else { return false }
    var index = bytes.startIndex
    for offset in 0..<lower.utf8CodeUnitCount {
        var byte = bytes[index]
        if byte >= 65 && byte <= 90 { byte += 32 }
        if byte != lower.utf8Start[offset] { return false }
        index += 1
    }
    return true
}

/// Whether the lower-case literal occurs in `bytes`, ASCII case-insensitively.
func containsLetters(_ bytes: ArraySlice<UInt8>, _ lower: StaticString) -> Bool {
    let count = lower.utf8CodeUnitCount
    guard bytes.count >= count else { return false }
    var start = bytes.startIndex
    while start + count <= bytes.endIndex {
        if sameLetters(bytes[start..<(start + count)], lower) { return true }
        start += 1
    }
    return false
}

/// The data of the SSE event that carries a JSON-RPC response (result or error), or the empty
/// array when none does. Events are separated by a blank line; an event's data: lines are joined
/// with "\n".
func sseResponse(_ stream: [UInt8]) -> [UInt8] {
    var data: [UInt8] = []
    var hasData = false
    var index = 0
    func flush() -> Bool {
        defer { data.removeAll(keepingCapacity: true); hasData = false }
        return hasData && rpcOutcome(data[...]).kind != .other
    }
    while index < stream.count {
        var lineEnd = index
        while lineEnd < stream.count && stream[lineEnd] != 10 { lineEnd += 1 }
        var line = stream[index..<lineEnd]
        if line.last == 13 { line = line.dropLast() }
        index = lineEnd + 1
        if line.isEmpty {
            let candidate = data
            if flush() { return candidate }
            continue
        }
        if line.starts(with: Array("data:".utf8)) {
            var value = line.dropFirst(5)
            if value.first == 32 { value = value.dropFirst() }
            if hasData { data.append(10) }
            data.append(contentsOf: value)
            hasData = true
        }
    }
    let candidate = data
    return flush() ? candidate : []
}

/// What a JSON-RPC message is, read from its top-level keys only (a linear scan, no parse).
struct RPCOutcome {
    enum Kind { case result, error, other }
    var kind: Kind
    var id: Int?
}

func rpcOutcome(_ bytes: ArraySlice<UInt8>) -> RPCOutcome {
    var depth = 0
    var index = bytes.startIndex
    var kind = RPCOutcome.Kind.other
    var id: Int? = nil
    var expectKey = false
    while index < bytes.endIndex {
        let byte = bytes[index]
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            expectKey = byte == UInt8(ascii: "{") && depth == 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
        case UInt8(ascii: ","):
            if depth == 1 { expectKey = true }
        case UInt8(ascii: "\""):
            let keyStart = index + 1
            index += 1
            while index < bytes.endIndex && bytes[index] != UInt8(ascii: "\"") {
                if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                index += 1
            }
            if depth == 1 && expectKey {
                expectKey = false
                let key = bytes[keyStart..<min(index, bytes.endIndex)]
                if key.elementsEqual("result".utf8) { kind = .result }
                else if key.elementsEqual("error".utf8) { kind = .error }
                if kind != .other && id != nil { return RPCOutcome(kind: kind, id: id) }  // the rest is the value
                else if key.elementsEqual("id".utf8) {
                    var cursor = index + 1
                    while cursor < bytes.endIndex && (bytes[cursor] == UInt8(ascii: ":") || bytes[cursor] == 32) { cursor += 1 }
                    var value = 0
                    var digits = 0
                    while cursor < bytes.endIndex, bytes[cursor] >= 48, bytes[cursor] <= 57 {
                        value = value * 10 + Int(bytes[cursor] - 48)
                        digits += 1
                        cursor += 1
                    }
                    if digits > 0 { id = value }
                }
            }
        default:
            break
        }
        index += 1
    }
    return RPCOutcome(kind: kind, id: id)
}

/// Whether `needle` occurs in `haystack` (memchr to each candidate first byte, then memcmp).
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
    return haystack.withUnsafeBytes { h in
        needle.withUnsafeBytes { n in
            var offset = 0
            let last = h.count - n.count
            while offset <= last {
                guard let hit = memchr(h.baseAddress! + offset, Int32(first), last - offset + 1) else { return false }
                let at = h.baseAddress!.distance(to: UnsafeRawPointer(hit))
                if memcmp(h.baseAddress! + at, n.baseAddress!, n.count) == 0 { return true }
                offset = at + 1
            }
            return false
        }
    }
}

/// One MCP session over one connection.
final class MCPBenchSession {
    let options: MCPBenchOptions
    let connection: BenchHTTPConnection
    var sessionID: String? = nil { didSet { prefixes.removeAll() } }
    var protocolVersion = "2025-11-25" { didSet { prefixes.removeAll() } }
    var nextID = 1
    var reconnects = 0
    var oddInitialized = 0
    var contentType = ""

    init(options: MCPBenchOptions) {
        self.options = options
        connection = BenchHTTPConnection(host: options.host, port: options.port)
    }

    /// Request heads up to the Content-Length line, per (method, path), for the current session.
    private var prefixes: [(method: String, path: String, bytes: [UInt8])] = []

    private func head(_ method: String, path: String, bodyLength: Int?) -> [UInt8] {
        var prefix: [UInt8]
        if let cached = prefixes.first(where: { $0.method == method && $0.path == path }) {
            prefix = cached.bytes
        } else {
            var text = "\(method) \(path) HTTP/1.1\r\nHost: \(options.host):\(options.port)\r\n"
            text += "Accept: application/json, text/event-stream\r\n"
            if let token = options.token { text += "Authorization: Bearer \(token)\r\n" }
            if let sessionID {
                text += "Mcp-Session-Id: \(sessionID)\r\nMCP-Protocol-Version: \(protocolVersion)\r\n"
            }
            if method != "GET" && method != "DELETE" { text += "Content-Type: application/json\r\n" }
            prefix = Array(text.utf8)
            prefixes.append((method, path, prefix))
        }
        if let bodyLength {
            prefix.append(contentsOf: "Content-Length: ".utf8)
            prefix.append(contentsOf: String(bodyLength).utf8)
            prefix.append(contentsOf: "\r\n".utf8)
        }
        prefix.append(contentsOf: "\r\n".utf8)
        return prefix
    }

    /// One exchange; a connection that was closed under us is reopened once and the request sent again.
    func exchange(_ method: String, path: String, body: [UInt8]?) throws -> HTTPReply {
        var request = head(method, path: path, bodyLength: body?.count)
        if let body { request.append(contentsOf: body) }
        for attempt in 0..<2 {
            do {
                if connection.fd < 0 { try connection.open() }
                try connection.send(request)
                let reply = try connection.receive(method: method)
                if reply.close { connection.close() }
                return reply
            } catch let error as MCPBenchError {
                connection.close()
                if attempt == 1 { throw error }
                reconnects += 1
            }
        }
        throw MCPBenchError(description: "unreachable")
    }

    func post(_ body: [UInt8]) throws -> HTTPReply {
        try exchange("POST", path: options.path, body: body)
    }

    func start() throws {
        let initialize = #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"car-bench","version":"1"}}}"#
        let reply = try post(Array(initialize.utf8))
        guard reply.status == 200 else {
            throw MCPBenchError(description: "initialize: HTTP \(reply.status) \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
        }
        let message = try JSONParser.parse(reply.body)
        guard let version = message["result"]?["protocolVersion"]?.stringValue else {
            throw MCPBenchError(description: "initialize: \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
        }
        protocolVersion = version
        sessionID = reply.sessionID
        let initialized = try post(Array(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8))
        guard (200..<300).contains(initialized.status) else {
            throw MCPBenchError(description: "notifications/initialized: HTTP \(initialized.status)")
        }
        if initialized.status != 202 || !initialized.body.isEmpty { oddInitialized += 1 }
    }

    func end() {
        guard sessionID != nil else { return }
        _ = try? exchange("DELETE", path: options.path, body: nil)
        connection.close()
    }

    func callBody(_ name: String, _ arguments: JSONValue) -> [UInt8] {
        let id = nextID
        nextID += 1
        return Array(JSONWriter.string(.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": "tools/call",
                                                "params": .object(["name": .string(name), "arguments": arguments])])).utf8)
    }

    /// The tools/call bytes for memory_query, built without a JSON writer: the generator must
    /// stay cheap next to the server it drives.
    func queryBody(_ escapedQuery: [UInt8]) -> [UInt8] {
        let id = nextID
        nextID += 1
        var body = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        body.append(contentsOf: String(id).utf8)
        body.append(contentsOf: #","method":"tools/call","params":{"name":"memory_query","arguments":{"query":"#.utf8)
        body.append(contentsOf: escapedQuery)
        body.append(contentsOf: #","k":"#.utf8)
        body.append(contentsOf: String(options.k).utf8)
        body.append(contentsOf: "}}}".utf8)
        return body
    }

    /// tools/call of `escapedName` (a JSON string) with {} as its arguments.
    func emptyCallBody(_ escapedName: [UInt8]) -> [UInt8] {
        let id = nextID
        nextID += 1
        var body = Array(#"{"jsonrpc":"2.0","id":"#.utf8)
        body.append(contentsOf: String(id).utf8)
        body.append(contentsOf: #","method":"tools/call","params":{"name":"#.utf8)
        body.append(contentsOf: escapedName)
        body.append(contentsOf: #","arguments":{}}}"#.utf8)
        return body
    }

    /// Nil when `reply` is the successful result of request `id`; else why not.
    func problem(_ reply: HTTPReply, id: Int) -> String? {
        if contentType.isEmpty {
            contentType = reply.contentType.split(separator: ";").first.map(String.init) ?? ""
            connection.wantContentType = contentType.isEmpty
        }
        guard reply.status == 200 else { return "HTTP \(reply.status): \(String(decoding: reply.body.prefix(160), as: UTF8.self))" }
        let outcome = rpcOutcome(reply.body[...])
        guard outcome.kind == .result else { return "not a result: \(String(decoding: reply.body.prefix(200), as: UTF8.self))" }
        guard outcome.id == id else { return "answer for id \(outcome.id.map(String.init) ?? "?"), expected \(id)" }
        if contains(reply.body, Array(#""isError":true"#.utf8)) {
            return "isError: \(String(decoding: reply.body.prefix(200), as: UTF8.self))"
        }
        return nil
    }
}

/// The values a tool result carries: structuredContent.result when present (a wrapped
/// non-object result), else structuredContent, else the first text content parsed as JSON.
func toolValue(_ message: JSONValue) -> JSONValue? {
    guard let result = message["result"] else { return nil }
    if let structured = result["structuredContent"] {
        return structured["result"] ?? structured
    }
    if let text = result["content"]?[0]?["text"]?.stringValue {
        return (try? JSONParser.parse(text)) ?? .string(text)
    }
    return nil
}

final class MCPBenchWorker: @unchecked Sendable {
    let options: MCPBenchOptions
    let index: Int
    let measureStart: UInt64
    let measureEnd: UInt64
    var latencies: [Double] = []
    var errors = 0
    var reconnects = 0
    var oddInitialized = 0
    var firstErrors: [String] = []
    var firstHits: Int? = nil
    var firstValue: String? = nil
    var contentType = ""
    var failure: String? = nil

    init(options: MCPBenchOptions, index: Int, measureStart: UInt64, measureEnd: UInt64) {
        self.options = options
        self.index = index
        self.measureStart = measureStart
        self.measureEnd = measureEnd
        latencies.reserveCapacity(options.requests ?? 200_000)
    }

    private func note(_ problem: String) {
        errors += 1
        if firstErrors.count < 3 { firstErrors.append(problem) }
    }

    func run() {
        do {
            if options.mode == "health" { try runHealth() } else { try runCalls() }
        } catch {
            failure = "\(error)"
        }
    }

    private func runHealth() throws {
        let session = MCPBenchSession(options: options)
        let path = options.path.hasSuffix("/") ? options.path + "health" : options.path + "/health"
        try loop { _ in
            let reply = try session.exchange("GET", path: path, body: nil)
            if self.contentType.isEmpty {
                self.contentType = reply.contentType.split(separator: ";").first.map(String.init) ?? ""
                session.connection.wantContentType = self.contentType.isEmpty
            }
            return reply.status == 200 ? nil : "HTTP \(reply.status)"
        }
        reconnects = session.reconnects
        session.connection.close()
    }

    private func runCalls() throws {
        let session = MCPBenchSession(options: options)
        try session.start()
        if let tool = options.tool {
            // Another tool, called with {} (memory_fact_count: the transport and dispatch
            // without the query engine's work). The first answer is parsed in full.
            let checkReply = try session.post(session.callBody(tool, .object([:])))
            if let problem = session.problem(checkReply, id: session.nextID - 1) {
                throw MCPBenchError(description: "first \(tool): \(problem)")
            }
            firstValue = toolValue(try JSONParser.parse(checkReply.body)).map(JSONWriter.string)
            let name = Array(JSONWriter.string(.string(tool)).utf8)
            try loop { _ in
                let reply = try session.post(session.emptyCallBody(name))
                return session.problem(reply, id: session.nextID - 1)
            }
        } else {
            // One checked call first, parsed in full: the answer must be a list of hits.
            let check = session.callBody("memory_query", .object(["query": .string(mcpQueries[index % mcpQueries.count]), "k": .int(Int64(options.k))]))
            let checkReply = try session.post(check)
            if let problem = session.problem(checkReply, id: session.nextID - 1) {
                throw MCPBenchError(description: "first memory_query: \(problem)")
            }
            guard let hits = toolValue(try JSONParser.parse(checkReply.body))?.arrayValue else {
                throw MCPBenchError(description: "memory_query answered no list: \(String(decoding: checkReply.body.prefix(300), as: UTF8.self))")
            }
            firstHits = hits.count
            let escaped = mcpQueries.map { Array(JSONWriter.string(.string($0)).utf8) }
            var turn = index
            try loop { _ in
                turn += 1
                let body = session.queryBody(escaped[turn % escaped.count])
                let reply = try session.post(body)
                return session.problem(reply, id: session.nextID - 1)
            }
        }
        reconnects = session.reconnects
        oddInitialized = session.oddInitialized
        contentType = session.contentType
        session.end()
    }

    /// Runs `exchange` until the measured window (or the request count) is over, timing each.
    private func loop(_ exchange: (Int) throws -> String?) throws {
        while now() < measureStart { usleep(200) }  // the common start line
        var round = 0
        while true {
            let started = now()
            if let count = options.requests {
                if round >= count { return }
            } else if started >= measureEnd {
                return
            }
            var problem: String?
            do { problem = try exchange(round) } catch { problem = "\(error)" }
            let elapsed = now() - started
            round += 1
            if let problem {
                note(problem)
                if errors > 1000 && latencies.isEmpty { throw MCPBenchError(description: "nothing but errors: \(firstErrors)") }
            } else if options.requests != nil || started >= measureStart + UInt64(options.warmup * 1e9) {
                latencies.append(micros(elapsed))
            }
        }
    }
}

/// This process's (user, system) CPU seconds so far.
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
}

func parseMCPBenchOptions(_ arguments: [String]) throws -> MCPBenchOptions {
    var options = MCPBenchOptions()
    guard arguments.count >= 2 else { throw MCPBenchError(description: "usage") }
    options.mode = arguments[0]
    guard ["call", "health", "seed"].contains(options.mode) else { throw MCPBenchError(description: "unknown mode \(options.mode)") }
    var url = Substring(arguments[1])
    guard url.hasPrefix("http://") else { throw MCPBenchError(description: "URL must be http://HOST:PORT/PATH") }
    url = url.dropFirst(7)
    let authority = url.prefix { $0 != "/" }
    options.path = url.count > authority.count ? String(url.dropFirst(authority.count)) : "/"
    guard let colon = authority.lastIndex(of: ":"), let port = UInt16(authority[authority.index(after: colon)...]) else {
        throw MCPBenchError(description: "URL needs HOST:PORT")
    }
    options.host = String(authority[..<colon])
    if options.host == "localhost" { options.host = "127.0.0.1" }
    options.port = port
    var index = 2
    func value() throws -> String {
        index += 1
        guard index < arguments.count else { throw MCPBenchError(description: "\(arguments[index - 1]) needs a value") }
        return arguments[index]
    }
    while index < arguments.count {
        switch arguments[index] {
        case "--threads": options.threads = max(1, Int(try value()) ?? 1)
        case "--seconds": options.seconds = Double(try value()) ?? 3
        case "--warmup": options.warmup = Double(try value()) ?? 0.5
        case "--requests": options.requests = Int(try value())
        case "--facts": options.facts = Int(try value()) ?? 1000
        case "--k": options.k = Int(try value()) ?? 5
        case "--label": options.label = try value()
        case "--tool": options.tool = try value()
        default: throw MCPBenchError(description: "unknown option \(arguments[index])")
        }
        index += 1
    }
    if let token = getenv("CAR_MCP_TOKEN"), token.pointee != 0 { options.token = String(cString: token) }
    return options
}

func runSeed(_ options: MCPBenchOptions) throws {
    let session = MCPBenchSession(options: options)
    try session.start()
    let started = now()
    var last: JSONValue? = nil
    for n in 0..<options.facts {
        let fact = syntheticFact(n)
        let body = session.callBody("memory_add_fact", .object(["subject": .string(fact.subject), "body": .string(fact.body), "kind": "pattern"]))
        let reply = try session.post(body)
        if let problem = session.problem(reply, id: session.nextID - 1) {
            throw MCPBenchError(description: "memory_add_fact #\(n): \(problem)")
        }
        if n == options.facts - 1 { last = toolValue(try JSONParser.parse(reply.body)) }
    }
    let seconds = Double(now() - started) / 1e9
    session.end()
    print("mcp-bench label=\(options.label) mode=seed facts=\(options.facts) seconds=\(fmt(seconds)) "
          + "rps=\(Int(Double(options.facts) / max(seconds, 1e-9))) answer=\(last.map(JSONWriter.string) ?? "?")")
}

/// `car-bench mcp ...`: the exit status (0 when every counted exchange succeeded).
func runMCPBench(_ arguments: [String]) -> Int32 {
    let options: MCPBenchOptions
    do {
        options = try parseMCPBenchOptions(arguments)
    } catch {
        print("car-bench mcp: \(error)")
        print("usage: car-bench mcp call|health|seed http://HOST:PORT/PATH [--threads N] [--seconds S] [--warmup S] [--requests N] [--facts N] [--k K] [--tool T] [--label L]")
        return 2
    }
    if options.mode == "seed" {
        do {
            try runSeed(options)
            return 0
        } catch {
            print("mcp-bench label=\(options.label) mode=seed FAILED: \(error)")
            return 1
        }
    }
    let measureStart = now() + 300_000_000  // 0.3 s for every thread to connect and initialize
    let measureEnd = measureStart + UInt64((options.warmup + options.seconds) * 1e9)
    let workers = (0..<options.threads).map {
        MCPBenchWorker(options: options, index: $0, measureStart: measureStart, measureEnd: measureEnd)
    }
    let cpuBefore = cpuSeconds()
    var threads: [pthread_t] = []
    for worker in workers {
        var thread = pthread_t()
        let box = Unmanaged.passRetained(worker).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            let worker = Unmanaged<MCPBenchWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.run()
            return nil
        }, box)
        guard status == 0 else {
            print("car-bench mcp: pthread_create failed (\(status))")
            return 1
        }
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    let finished = now()
    let wall = finished > measureStart ? Double(finished - measureStart) / 1e9 : 0
    let cpuAfter = cpuSeconds()
    let user = cpuAfter.user - cpuBefore.user, system = cpuAfter.system - cpuBefore.system
    var all: [Double] = []
    for worker in workers { all.append(contentsOf: worker.latencies) }
    all.sort()
    let errors = workers.reduce(0) { $0 + $1.errors }
    let failures = workers.compactMap(\.failure)
    let window = options.requests == nil ? options.seconds : max(wall - 0.0, 1e-9)
    let rps = Double(all.count) / window
    let p50 = all.isEmpty ? 0 : percentile(all, 0.5), p99 = all.isEmpty ? 0 : percentile(all, 0.99)
    var line = "mcp-bench label=\(options.label) mode=\(options.mode) threads=\(options.threads) requests=\(all.count) "
    line += "errors=\(errors) seconds=\(fmt(window)) rps=\(Int(rps)) p50_us=\(fmt(p50)) p99_us=\(fmt(p99)) "
    line += "max_us=\(fmt(all.last ?? 0)) reconnects=\(workers.reduce(0) { $0 + $1.reconnects }) "
    line += "content_type=\(workers.first(where: { !$0.contentType.isEmpty })?.contentType ?? "-") "
    line += "client_cpu=\(Int(((user + system) / max(wall, 1e-9) * 100).rounded()))% "
    line += "client_user=\(Int((user / max(wall, 1e-9) * 100).rounded()))%"
    if options.mode == "call", let tool = options.tool {
        line += " tool=\(tool) answer=\(workers.first?.firstValue ?? "-")"
    } else if options.mode == "call" {
        line += " hits=\(workers.first?.firstHits.map(String.init) ?? "-")"
        let odd = workers.reduce(0) { $0 + $1.oddInitialized }
        if odd > 0 { line += " odd_initialized=\(odd)" }
    }
    print(line)
    for worker in workers {
        for problem in worker.firstErrors { print("  error (thread \(worker.index)): \(problem.prefix(300))") }
    }
    for failure in failures { print("  FAILED: \(failure.prefix(400))") }
    return errors == 0 && failures.isEmpty && !all.isEmpty ? 0 : 1
}
