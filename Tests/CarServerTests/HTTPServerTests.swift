import CarHTTP
import CarTestSupport
import Dispatch
import Glibc
import Synchronization
import Testing
@testable import CarServer

/// The HTTP layer over real sockets: routing, keep-alive and pipelining, the bounds and
/// timeouts, event streams, and requests dying with their connection.
@Suite("transport: HTTP/1.1 server")
struct HTTPServerTests {
    /// Answers `/echo` with the method and body; `/later` after 100 ms from another thread;
    /// `/stream` with three events; `/hold` never, recording its cancellation.
    final class Routes: Sendable {
        let cancelled = Atomic<Int>(0)
        let held = Mutex<[any HTTPExchange]>([])
        let streams = Mutex<[any HTTPEventSink]>([])

        struct Echo: HTTPRouteHandler {
            func handle(_ exchange: any HTTPExchange) {
                let request = exchange.request
                exchange.respond(.text("\(request.method) \(request.path) \(String(decoding: request.body, as: UTF8.self))"))
            }
        }
        struct Later: HTTPRouteHandler {
            func handle(_ exchange: any HTTPExchange) {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { exchange.respond(.text("later")) }
            }
        }
        struct Stream: HTTPRouteHandler {
            let routes: Routes
            func handle(_ exchange: any HTTPExchange) {
                guard let sink = exchange.openEventStream(headers: ["X-Test": "1"]) else { return }
                if exchange.request.query == "open" {
                    routes.streams.withLock { $0.append(sink) }
                    exchange.onCancel { routes.cancelled.add(1, ordering: .relaxed) }
                    return
                }
                DispatchQueue.global().async {
                    for index in 1...3 { sink.send([SSEEvent(data: "event \(index)")]) }
                    sink.end()
                }
            }
        }
        struct Hold: HTTPRouteHandler {
            let routes: Routes
            func handle(_ exchange: any HTTPExchange) {
                routes.held.withLock { $0.append(exchange) }
                exchange.onCancel { routes.cancelled.add(1, ordering: .relaxed) }
            }
        }

        func table() -> HTTPRouteTable {
            var table = HTTPRouteTable()
            table.add("/echo", Echo())
            table.add("/later", Later())
            table.add("/stream", Stream(routes: self))
            table.add("/hold", Hold(routes: self))
            table.add("/tree/", Echo())
            return table
        }
    }

    final class Running: Sendable {
        let loop = EventLoop()
        let server: HTTPServer
        let port: Int
        let routes = Routes()

        init(configure: (inout HTTPServerConfig) -> Void = { _ in }) throws {
            var config = HTTPServerConfig(port: 0)
            configure(&config)
            server = HTTPServer(config: config, routes: routes.table(), loop: loop)
            port = try server.start()
        }

        func client() throws -> HTTPTestClient { try HTTPTestClient(port: port) }

        func stop() {
            server.shutdown(timeout: 1)
            loop.shutdown()
        }
    }

    @Test func routesAnswerAndUnknownPathsAre404() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        let echo = try client.request("POST", "/echo?x=1", body: "hello")
        #expect(echo.status == 200)
        #expect(echo.text == "POST /echo hello")
        let subtree = try client.request("GET", "/tree/a/b")
        #expect(subtree.text == "GET /tree/a/b ")
        let missing = try client.request("GET", "/nowhere")
        #expect(missing.status == 404)
        // The connection survived all three.
        #expect(try client.request("GET", "/echo").status == 200)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        // The slow one first: its answer must still come first.
        try client.sendRaw("GET /later HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try client.readResponse().text == "later")
        #expect(try client.readResponse().text == "POST /echo abc")
        #expect(try client.readResponse().text == "GET /echo ")
    }

    @Test func foreignOriginsAre403AndLoopbackOnesPass() throws {
        let running = try Running { $0.origins = OriginPolicy(allowed: ["https://allowed.example"]) }
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        #expect(try client.request("GET", "/echo", headers: [("Origin", "http://evil.example")]).status == 403)
        #expect(try client.request("GET", "/echo", headers: [("Origin", "http://127.0.0.1:9999")]).status == 200)
        #expect(try client.request("GET", "/echo", headers: [("Origin", "https://allowed.example")]).status == 200)
    }

    @Test func pastTheConnectionLimitAClientIsToldSoAndTheOthersKeepWorking() throws {
        let running = try Running { $0.maxConnections = 2 }
        defer { running.stop() }
        let first = try running.client()
        defer { first.close() }
        let second = try running.client()
        defer { second.close() }
        // Both admitted (a request answered each) before the third connects.
        #expect(try first.request("GET", "/echo").status == 200)
        #expect(try second.request("GET", "/echo").status == 200)
        let third = try running.client()
        defer { third.close() }
        let refused = try third.readResponse()
        #expect(refused.status == 503)
        #expect(refused.header("retry-after") == "1")
        #expect(third.isClosedByServer(within: 3))
        #expect(try first.request("GET", "/echo").status == 200)
    }

    @Test func oversizedBodiesAndHeadersAreRefusedAndClosed() throws {
        let running = try Running { $0.requestLimits = HTTPRequestLimits(maxHeaderBytes: 1024, maxBodyBytes: 1000) }
        defer { running.stop() }
        let big = try running.client()
        defer { big.close() }
        // Announced past the bound: refused before the body arrives, and the rest the client
        // sends is drained, so the answer is read rather than reset.
        try big.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + String(repeating: "a", count: 5000))
        let refused = try big.readResponse()
        #expect(refused.status == 413)
        #expect(refused.header("connection") == "close")
        #expect(big.isClosedByServer(within: 3))

        let headers = try running.client()
        defer { headers.close() }
        try headers.sendRaw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n")
        #expect(try headers.readResponse().status == 431)

        // Others are unaffected.
        let other = try running.client()
        defer { other.close() }
        #expect(try other.request("GET", "/echo").status == 200)
    }

    @Test func idleAndSlowClientsAreDisconnected() throws {
        let running = try Running {
            $0.idleTimeout = 0.3
            $0.requestTimeout = 0.6
        }
        defer { running.stop() }
        let idle = try running.client()
        defer { idle.close() }
        #expect(try idle.request("GET", "/echo").status == 200)
        #expect(idle.isClosedByServer(within: 3))

        // A request trickling in a byte at a time never goes idle, but it runs out of time.
        let slow = try running.client()
        defer { slow.close() }
        for byte in "GET /echo HTTP/1.1\r\nHost: x\r\n".utf8 {
            guard (try? slow.sendRaw([byte])) != nil else { break }
            usleep(50_000)
        }
        let answered = try? slow.readResponse()
        #expect(answered?.status == 408)
        #expect(slow.isClosedByServer(within: 3))
    }

    @Test func eventStreamsAreChunkedAndTheConnectionIsReused() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        let stream = try client.request("GET", "/stream")
        #expect(stream.status == 200)
        #expect(stream.header("content-type") == "text/event-stream")
        #expect(stream.header("x-test") == "1")
        #expect(stream.text == "data: event 1\n\ndata: event 2\n\ndata: event 3\n\n")
        #expect(try client.request("GET", "/echo").status == 200)
    }

    @Test func aRequestDiesWithItsConnection() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        try client.send("GET", "/hold")
        let stream = try running.client()
        try stream.send("GET", "/stream?open")
        #expect(try stream.readHead().status == 200)
        try waitUntil { running.routes.held.withLock { $0.count } == 1 }
        client.close()
        stream.close()
        try waitUntil { running.routes.cancelled.load(ordering: .relaxed) == 2 }
        // Answering a cancelled exchange is harmless.
        running.routes.held.withLock { $0 }.first?.respond(.text("too late"))
        #expect(running.routes.streams.withLock { $0 }.first?.isOpen == false)
    }

    @Test func aStreamClientThatStopsReadingIsCutAtTheBound() throws {
        let running = try Running { $0.maxOutboundBytes = 256 << 10 }
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.send("GET", "/stream?open")
        try waitUntil { running.routes.streams.withLock { $0.count } == 1 }
        let sink = try #require(running.routes.streams.withLock { $0 }.first)
        let payload = String(repeating: "x", count: 16 << 10)
        for _ in 0..<2000 where sink.isOpen { sink.send([SSEEvent(data: payload)]) }
        try waitUntil { !sink.isOpen }
        #expect(running.server.connectionCount == 0)
    }

    @Test func shutdownEndsOpenStreams() throws {
        let running = try Running()
        let client = try running.client()
        defer { client.close() }
        try client.send("GET", "/stream?open")
        #expect(try client.readHead().status == 200)
        running.stop()
        #expect(try client.readChunk() == nil)
    }

    @Test func aStreamOpenedOnAQuietConnectionStartsWithItsHead() throws {
        // The connection is older than the heartbeat interval when the stream opens: the
        // first bytes must still be the status line, and the heartbeat comes after.
        let running = try Running { $0.heartbeatInterval = 0.1 }
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        #expect(try client.request("GET", "/echo").status == 200)
        usleep(300_000)
        try client.send("GET", "/stream?open")
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(head.header("x-test") == "1")
        let heartbeat = try #require(try client.readChunk())
        #expect(String(decoding: heartbeat, as: UTF8.self) == ":\n\n")
    }

    @Test func aLongAnswerDoesNotCountAsIdleness() throws {
        // /later takes 100 ms, longer than the idle bound: the connection must still carry
        // the next request, and a pipelined one behind it must not time out while it waited.
        let running = try Running {
            $0.idleTimeout = 0.05
            $0.requestTimeout = 0.05
        }
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        try client.sendRaw("GET /later HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok")
        #expect(try client.readResponse().text == "later")
        #expect(try client.readResponse().text == "POST /echo ok")
        #expect(try client.request("GET", "/later").text == "later")
        #expect(try client.request("GET", "/echo").status == 200)
    }

    @Test func headHTTP10AndContinueAreServed() throws {
        let running = try Running()
        defer { running.stop() }
        let client = try running.client()
        defer { client.close() }
        // HEAD: the length of the body, not the body; the connection goes on.
        let head = try client.request("HEAD", "/echo")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.header("content-length") == "11") // "HEAD /echo "
        #expect(try client.request("GET", "/echo").text == "GET /echo ")
        // Expect: 100-continue gets its interim answer, then the final one.
        try client.sendRaw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readHead().status == 100)
        try client.sendRaw("abc")
        #expect(try client.readResponse().text == "POST /echo abc")
        // ...unless the path does not exist: then the final answer comes at once.
        try client.sendRaw("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
        #expect(try client.readResponse().status == 404)

        // An HTTP/1.0 client reads an event stream until the server closes.
        let old = try running.client()
        defer { old.close() }
        try old.sendRaw("GET /stream HTTP/1.0\r\n\r\n")
        let stream = try old.readResponse()
        #expect(stream.header("connection") == "close")
        #expect(stream.header("transfer-encoding") == nil)
        #expect(stream.text == "data: event 1\n\ndata: event 2\n\ndata: event 3\n\n")
    }

    private func waitUntil(_ condition: () -> Bool) throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        while !condition() {
            if clock.now > deadline { throw Timeout() }
            usleep(10_000)
        }
    }

    struct Timeout: Error {}
}
