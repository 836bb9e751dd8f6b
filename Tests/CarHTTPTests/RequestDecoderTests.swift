import Testing
import CarHTTP

@Suite("HTTP request decoder")
struct RequestDecoderTests {
    static let mcpPost = "POST /mcp?debug=1 HTTP/1.1\r\nHost: 127.0.0.1:9100\r\nAccept: application/json, text/event-stream\r\n"
        + "Content-Type: application/json\r\nMcp-Session-Id: 1868a90c\r\nMCP-Protocol-Version: 2025-11-25\r\n"
        + "Origin: http://localhost:3000\r\nContent-Length: 41\r\n\r\n"
        + #"{"jsonrpc":"2.0","id":1,"method":"ping"} "#

    @Test func decodesAnMCPPost() throws {
        let outcome = decode(Self.mcpPost)
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(outcome.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.target == "/mcp?debug=1")
        #expect(request.path == "/mcp")
        #expect(request.query == "debug=1")
        #expect(request.version == .http1_1)
        #expect(request.headers["mcp-session-id"] == "1868a90c")
        #expect(request.headers["MCP-PROTOCOL-VERSION"] == "2025-11-25")
        #expect(request.headers["origin"] == "http://localhost:3000")
        #expect(request.headers.listContains("Accept", "text/event-stream"))
        #expect(request.headers.listContains("accept", "APPLICATION/JSON"))
        #expect(!request.headers.listContains("Accept", "text/html"))
        #expect(text(request.body) == #"{"jsonrpc":"2.0","id":1,"method":"ping"} "#)
        #expect(request.keepAlive)
        #expect(request.head.bodyFraming == .length(41))
        #expect(outcome.leftover == 0)
    }

    @Test func keepsHeaderOrderSpellingAndDuplicates() throws {
        let request = try #require(decode("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-b:2\r\nX-A:  3 \t\r\nX-Empty:\r\n\r\n").requests.first)
        #expect(request.headers.fields.map(\.name) == ["Host", "X-A", "x-b", "X-A", "X-Empty"])
        #expect(request.headers.values("x-a") == ["1", "3"])
        #expect(request.headers["X-B"] == "2")
        #expect(request.headers["x-empty"] == "")
        #expect(request.headers["missing"] == nil)
        #expect(request.query == nil)
        #expect(request.body.isEmpty)
    }

    @Test func byteAtATimeMatchesOneFeed() {
        let inputs = [Self.mcpPost,
                      "GET /mcp HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nLast-Event-ID: 42\r\n\r\n",
                      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: y\r\n\r\n",
                      "\r\nDELETE /mcp HTTP/1.1\r\nHost: x\r\nMcp-Session-Id: abc\r\n\r\n"]
        for input in inputs {
            let whole = decode(input)
            #expect(whole.error == nil, "\(input)")
            #expect(whole.requests.count == 1)
            for step in [1, 2, 3, 7, 64] {
                let pieces = decode(input, step: step)
                #expect(pieces.requests == whole.requests, "step \(step): \(input)")
                #expect(pieces.error == nil)
            }
        }
    }

    @Test func byteAtATimeRefusesTheSame() {
        for input in ["GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
                      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"] {
            #expect(decode(input, step: 1).error == decode(input).error)
            #expect(decode(input).error != nil)
        }
    }

    @Test func pipelinedRequestsComeOutInOrderWithTheRestBuffered() {
        let first = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
        let second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
        let third = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
        let partial = "GET /d HTTP/1.1\r\nHo"
        for step in [nil, 1, 5] {
            let outcome = decode(first + second + third + partial, step: step)
            #expect(outcome.error == nil)
            #expect(outcome.requests.map(\.path) == ["/a", "/b", "/c"])
            #expect(outcome.requests.map { text($0.body) } == ["abc", "", "hi"])
            // The request line of the fourth is parsed already; "Ho" waits for its line end.
            #expect(outcome.leftover == 2)
        }
    }

    @Test func aHeadSplitAcrossAppendsCompletes() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("GET /d HTTP/1.1\r\nHo".utf8))
        #expect(try decoder.next() == nil)
        #expect(!decoder.isIdle)
        decoder.append(Array("st: x\r\n\r".utf8))
        #expect(try decoder.next() == nil)
        decoder.append(Array("\n".utf8))
        guard case .request(let request) = try decoder.next() else { Issue.record("expected a request"); return }
        #expect(request.path == "/d")
        #expect(request.headers["host"] == "x")
    }

    @Test func waitsForTheRestOfABody() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab".utf8))
        #expect(try decoder.next() == nil)
        #expect(!decoder.isIdle)
        decoder.append(Array("cdGET".utf8))
        guard case .request(let request) = try decoder.next() else { Issue.record("expected a request"); return }
        #expect(text(request.body) == "abcd")
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedBytes == 3)
    }

    @Test func anErrorSticks() {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("BAD LINE\r\n".utf8))
        #expect(throws: HTTPRequestError.self) { try decoder.next() }
        decoder.append(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(throws: HTTPRequestError.self) { try decoder.next() }
    }

    @Test func isIdleBetweenRequests() throws {
        var decoder = HTTPRequestDecoder()
        #expect(decoder.isIdle)
        decoder.append(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        _ = try decoder.next()
        #expect(decoder.isIdle)
    }

    @Test(arguments: [
        ("GET /mcp HTTP/1.1\r\nHost: x\r\n\r\n", true),
        ("GET /mcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false),
        ("GET /mcp HTTP/1.1\r\nHost: x\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false),
        ("GET /mcp HTTP/1.0\r\n\r\n", false),
        ("GET /mcp HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
        ("GET /mcp HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", true),
    ])
    func keepAlive(_ input: String, _ expected: Bool) throws {
        let request = try #require(decode(input).requests.first)
        #expect(request.keepAlive == expected)
    }

    @Test func announcesContinueOnceBeforeTheBody() throws {
        var decoder = HTTPRequestDecoder()
        decoder.append(Array("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n".utf8))
        guard case .continueExpected(let head) = try decoder.next() else { Issue.record("expected continue"); return }
        #expect(head.expectsContinue)
        #expect(head.path == "/")
        #expect(try decoder.next() == nil)
        decoder.append(Array("ok".utf8))
        guard case .request(let request) = try decoder.next() else { Issue.record("expected the request"); return }
        #expect(text(request.body) == "ok")
    }

    @Test func noContinueWhenTheBodyIsAlreadyHereOrThereIsNone() {
        let withBody = decode("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok")
        #expect(withBody.continues == 0)
        #expect(withBody.requests.count == 1)
        let empty = decode("GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n")
        #expect(empty.continues == 0)
        #expect(empty.requests.first?.head.expectsContinue == false)
        let old = decode("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        #expect(old.continues == 0)
        #expect(old.error == nil)
    }

    @Test(arguments: [
        ("GET http://localhost:9100/mcp?a=b HTTP/1.1", "/mcp", "a=b"),
        ("GET HTTP://localhost:9100 HTTP/1.1", "/", nil),
        ("GET https://h?x HTTP/1.1", "", "x"),
        ("OPTIONS * HTTP/1.1", "*", nil),
        ("CONNECT h:443 HTTP/1.1", "h:443", nil),
        ("GET /a?b?c HTTP/1.1", "/a", "b?c"),
        ("GET /%20x? HTTP/1.1", "/%20x", ""),
    ] as [(String, String, String?)])
    func targetForms(_ line: String, _ path: String, _ query: String?) throws {
        let request = try #require(decode(line + "\r\nHost: h\r\n\r\n").requests.first)
        #expect(request.path == (path.isEmpty ? "/" : path))
        #expect(request.query == query)
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() throws {
        let input = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "A ; name=value\r\n0123456789\r\n1\r\n!\r\n000\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n"
        let request = try #require(decode(input).requests.first)
        #expect(text(request.body) == "0123456789!")
        #expect(request.head.bodyFraming == .chunked)
        #expect(request.headers.fields.count == 2)
    }

    @Test func utf8HeaderValuesSurvive() throws {
        let request = try #require(decode("GET / HTTP/1.1\r\nHost: x\r\nX-Name: café ✓\r\n\r\n").requests.first)
        #expect(request.headers["x-name"] == "café ✓")
    }
}
