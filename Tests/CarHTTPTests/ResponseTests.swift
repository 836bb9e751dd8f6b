import Testing
import CarHTTP

@Suite("HTTP responses, chunks and SSE")
struct ResponseTests {
    @Test func writesStatusLineHeadersLengthAndBody() {
        var response = HTTPResponse.json(Array(#"{"ok":true}"#.utf8))
        response.headers.add("Mcp-Session-Id", "abc")
        #expect(text(response.encode()) == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nMcp-Session-Id: abc\r\n"
            + "Content-Length: 11\r\n\r\n{\"ok\":true}")
    }

    @Test func connectionHeaderFollowsKeepAliveAndVersion() {
        let response = HTTPResponse(status: 202)
        #expect(text(response.encode()) == "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
        #expect(text(response.encode(keepAlive: false)) == "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        #expect(text(response.encode(requestVersion: .http1_0)) == "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func callerLengthsAreReplacedAndBodilessStatusesCarryNone() {
        var response = HTTPResponse(status: 204, headers: ["Content-Length": "99", "Transfer-Encoding": "chunked"], body: Array("x".utf8))
        #expect(text(response.encode()) == "HTTP/1.1 204 No Content\r\n\r\n")
        response.status = 200
        #expect(text(response.encode()) == "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
        #expect(text(response.encode(headOnly: true)) == "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n")
    }

    @Test func headerValuesCannotSplitTheResponse() {
        let response = HTTPResponse(status: 200, headers: ["X-A": "a\r\nSet-Cookie: evil", "X\nB": "b\u{0}"])
        let bytes = text(response.encode())
        #expect(bytes == "HTTP/1.1 200 OK\r\nX-A: a Set-Cookie: evil\r\nX B: b \r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: [(200, "OK"), (405, "Method Not Allowed"), (413, "Content Too Large"), (414, "URI Too Long"),
                      (431, "Request Header Fields Too Large"), (505, "HTTP Version Not Supported"), (299, "Success"), (599, "Server Error")])
    func reasonPhrases(_ status: Int, _ phrase: String) {
        #expect(text(HTTPResponse(status: status).encode()).hasPrefix("HTTP/1.1 \(status) \(phrase)\r\n"))
    }

    @Test func continueIsAnInterimResponse() {
        #expect(text(HTTPResponse.continue) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test func chunkEncoding() {
        #expect(text(ChunkedEncoding.chunk(Array("hello".utf8))) == "5\r\nhello\r\n")
        #expect(text(ChunkedEncoding.chunk([UInt8](repeating: 0x61, count: 300))).hasPrefix("12C\r\naaa"))
        #expect(ChunkedEncoding.chunk([]).isEmpty)
        #expect(text(ChunkedEncoding.last) == "0\r\n\r\n")
    }

    @Test func chunkedOutputDecodesBackThroughTheRequestDecoder() {
        let pieces = ["first", String(repeating: "z", count: 4097), "\r\n0\r\n\r\n"]
        let body = pieces.flatMap { ChunkedEncoding.chunk(Array($0.utf8)) } + ChunkedEncoding.last
        let request = Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".utf8) + body
        #expect(decode(request, step: 3).requests.first.map { text($0.body) } == pieces.joined())
    }

    @Test(arguments: [
        ("a\nb", "data: a\ndata: b\n\n"),
        ("a\r\nb", "data: a\ndata: b\n\n"),
        ("a\rb", "data: a\ndata: b\n\n"),
        ("a\n\nb", "data: a\ndata:\ndata: b\n\n"),
        ("a\r\n\rb\n", "data: a\ndata:\ndata: b\ndata:\n\n"),
        ("", "data:\n\n"),
        (" lead", "data:  lead\n\n"),
        (#"{"jsonrpc":"2.0","id":1,"result":{}}"#, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n"),
    ])
    func sseDataSplitsOnEveryLineBreak(_ data: String, _ expected: String) {
        #expect(text(SSEEvent(data: data).encoded()) == expected)
    }

    @Test func sseFieldsInOrder() {
        let event = SSEEvent(data: "x", event: "message", id: "s1-7", retry: 3000, comments: ["note"])
        #expect(text(event.encoded()) == ": note\nevent: message\nid: s1-7\nretry: 3000\ndata: x\n\n")
        // MCP's priming event: an id and an empty data field.
        #expect(text(SSEEvent(data: "", id: "s1-0").encoded()) == "id: s1-0\ndata:\n\n")
        #expect(text(SSEEvent(retry: -5).encoded()) == "retry: 0\n\n")
    }

    @Test func sseSingleLineFieldsLoseLineBreaks() {
        let event = SSEEvent(event: "a\r\nb\nc", id: "1\r2\u{0}3")
        #expect(text(event.encoded()) == "event: abc\nid: 123\n\n")
    }

    @Test func heartbeatsAreComments() {
        #expect(text(SSEEvent.heartbeat().encoded()) == ":\n\n")
        #expect(text(SSEEvent.heartbeat("ping").encoded()) == ": ping\n\n")
        #expect(text(SSEEvent(comments: ["a\nb"]).encoded()) == ": a\n: b\n\n")
    }

    @Test func chunkedSSEStream() {
        let stream = SSEStream(framing: .chunked)
        let head = text(stream.head(headers: ["Mcp-Session-Id": "abc", "Content-Length": "5", "Content-Type": "application/json"]))
        #expect(head == "HTTP/1.1 200 OK\r\nMcp-Session-Id: abc\r\nContent-Type: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(text(stream.event(SSEEvent(data: "hi", id: "1"))) == "10\r\nid: 1\ndata: hi\n\n\r\n")
        #expect(text(stream.events([SSEEvent(data: "a"), .heartbeat()])) == "C\r\ndata: a\n\n:\n\n\r\n")
        #expect(text(stream.end()) == "0\r\n\r\n")
    }

    @Test func sseStreamFollowsTheRequest() throws {
        let old = try #require(decode("GET /mcp HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").requests.first)
        let stream = SSEStream(for: old.head)
        #expect(stream.framing == .untilClose)
        #expect(!stream.keepAlive)
        #expect(text(stream.head()) == "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n")
        #expect(text(stream.event(SSEEvent(data: "hi"))) == "data: hi\n\n")
        #expect(stream.end().isEmpty)

        let closing = try #require(decode("GET /mcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").requests.first)
        let chunked = SSEStream(for: closing.head)
        #expect(chunked.framing == .chunked)
        #expect(!chunked.keepAlive)
        #expect(text(chunked.head()).contains("Transfer-Encoding: chunked\r\nConnection: close\r\n"))

        let normal = try #require(decode("GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n").requests.first)
        #expect(SSEStream(for: normal.head).keepAlive)
    }

    @Test func headersEditing() {
        var headers: HTTPHeaders = ["A": "1", "b": "2", "a": "3"]
        headers.set("A", "x")
        #expect(headers.fields == [HTTPField(name: "A", value: "x"), HTTPField(name: "b", value: "2")])
        headers.remove("B")
        #expect(headers.count == 1)
        headers.add("Connection", "keep-alive, Upgrade")
        #expect(headers.tokens("connection") == ["keep-alive", "upgrade"])
        headers.add("Accept", "application/json;q=0.9 , TEXT/Event-Stream")
        #expect(headers.listContains("accept", "text/event-stream"))
        #expect(headers.listContains("accept", "application/json"))
    }
}
