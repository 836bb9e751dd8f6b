import Testing
import CarHTTP

@Suite("HTTP request refusals")
struct RefusalTests {
    static let host = "Host: x\r\n"

    @Test(arguments: [
        // Request line.
        ("GARBAGE\r\n\r\n", 400),
        ("GET /\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400),
        ("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / http/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.11\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/11\r\nHost: x\r\n\r\n", 400),
        ("GET mcp HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /a#frag HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /\u{7F} HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET /é HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        // Versions.
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("GET / HTTP/0.9\r\nHost: x\r\n\r\n", 505),
        ("GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505),
        ("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505),
        // Line endings: CRLF only.
        ("GET / HTTP/1.1\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\rX-A: 1\r\n\r\n", 400),
        ("\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        // Header syntax.
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A\t: 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX A: 1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{1B}b\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u{7F}\r\n\r\n", 400),
        // Host.
        ("GET / HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400),
        ("GET / HTTP/1.0\r\nHost: x\r\nhost: x\r\n\r\n", 400),
        // Expect.
        ("POST / HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx", 417),
        ("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue, more\r\nContent-Length: 1\r\n\r\nx", 417),
    ])
    func refuses(_ input: String, _ status: Int) {
        #expect(refusal(input) == status, "\(input.debugDescription)")
        #expect(decode(input, step: 1).error?.status == status, "byte at a time: \(input.debugDescription)")
    }

    @Test(arguments: [
        // Content-Length.
        ("Content-Length: 1\r\nContent-Length: 1\r\n", 400),
        ("Content-Length: 1\r\nContent-Length: 2\r\n", 400),
        ("Content-Length: 1, 1\r\n", 400),
        ("Content-Length: -1\r\n", 400),
        ("Content-Length: +1\r\n", 400),
        ("Content-Length: 0x10\r\n", 400),
        ("Content-Length: 1 1\r\n", 400),
        ("Content-Length:\r\n", 400),
        ("Content-Length: 99999999999999999999999\r\n", 413),
        // Smuggling: both framings, or a Transfer-Encoding we would read differently.
        ("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400),
        ("Transfer-Encoding: chunked\r\nContent-Length: 0\r\n", 400),
        ("Transfer-Encoding: chunked, identity\r\n", 400),
        ("Transfer-Encoding: identity\r\n", 400),
        ("Transfer-Encoding: xchunked\r\n", 400),
        ("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", 400),
        ("Transfer-Encoding:\r\n", 400),
        ("Transfer-Encoding: gzip, chunked\r\n", 501),
        ("Transfer-Encoding: chunked, chunked\r\n", 501),
    ])
    func refusesAmbiguousFraming(_ headers: String, _ status: Int) {
        let input = "POST / HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n"
        #expect(refusal(input) == status, "\(headers.debugDescription)")
    }

    @Test func transferEncodingInHTTP10IsFaultyFraming() {
        #expect(refusal("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400)
    }

    @Test(arguments: [
        "5\nhello\r\n0\r\n\r\n",
        "5\r\nhelloXX0\r\n\r\n",
        "5\r\nhello\r0\r\n\r\n",
        "zz\r\nhello\r\n0\r\n\r\n",
        "\r\nhello\r\n0\r\n\r\n",
        "5 x\r\nhello\r\n0\r\n\r\n",
        "-5\r\nhello\r\n0\r\n\r\n",
        "5;a\u{1}b\r\nhello\r\n0\r\n\r\n",
        "5\r\nhello\r\n0\r\nbad trailer\r\n\r\n",
        "5\r\nhello\r\n0\r\n folded: x\r\n\r\n",
    ])
    func refusesMalformedChunks(_ body: String) {
        let input = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        #expect(refusal(input) == 400, "\(body.debugDescription)")
        #expect(decode(input, step: 1).error?.status == 400, "byte at a time: \(body.debugDescription)")
    }

    @Test func smuggledSecondRequestInsideAChunkIsBody() throws {
        // The bytes of a second request inside a chunk stay body: one request comes out.
        let inner = "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"
        let input = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(inner.utf8.count, radix: 16) + "\r\n" + inner + "\r\n0\r\n\r\n"
        let outcome = decode(input)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/"])
        #expect(text(outcome.requests[0].body) == inner)
    }

    @Test func refusesGarbageOnItsFirstBytes() {
        // A TLS ClientHello, or anything that is not a method, fails before any line ends.
        #expect(refusal("\u{16}\u{03}\u{01}\u{02}") == 400)
        #expect(refusal("{\"jsonrpc\"") == 400)
        #expect(decode("GET", step: 1).error == nil)
    }

    @Test func errorResponseSaysWhatAndCloses() throws {
        let error = try #require(decode("GET / HTTP/2.0\r\n\r\n").error)
        #expect(error.status == 505)
        let bytes = text(error.response.encode())
        #expect(bytes.hasPrefix("HTTP/1.1 505 HTTP Version Not Supported\r\n"))
        #expect(bytes.contains("Connection: close\r\n"))
        #expect(bytes.contains("HTTP/2.0"))
        #expect(error.description.hasPrefix("505 HTTP Version Not Supported: "))
    }
}
