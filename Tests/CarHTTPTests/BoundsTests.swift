import Testing
import CarHTTP

@Suite("HTTP request bounds")
struct BoundsTests {
    /// A request line of exactly `length` bytes, CRLF excluded.
    static func requestLine(_ length: Int) -> String {
        "GET /" + String(repeating: "a", count: length - 14) + " HTTP/1.1"
    }

    /// Header field lines of exactly `length` bytes, CRLFs included: Host plus one filler.
    static func headerLines(_ length: Int) -> String {
        "Host: x\r\n" + "X: " + String(repeating: "v", count: length - 14) + "\r\n"
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let limits = HTTPRequestLimits()
        #expect(limits.maxRequestLineBytes == 8192)
        #expect(limits.maxHeaderBytes == 32768)
        #expect(limits.maxHeaderCount == 100)
        #expect(limits.maxBodyBytes == 4 << 20)
    }

    @Test(arguments: [nil, 1] as [Int?])
    func requestLineAtTheDefaultLimitAndOnePast(_ step: Int?) {
        #expect(Self.requestLine(8192).utf8.count == 8192)
        let at = decode(Self.requestLine(8192) + "\r\nHost: x\r\n\r\n", step: step)
        #expect(at.error == nil)
        #expect(at.requests.first?.path.utf8.count == 8192 - 13)
        #expect(decode(Self.requestLine(8193) + "\r\nHost: x\r\n\r\n", step: step).error?.status == 414)
    }

    @Test func anOverlongRequestLineIsRefusedBeforeItEnds() {
        let limits = HTTPRequestLimits(maxRequestLineBytes: 100)
        #expect(decode(Self.requestLine(100), limits: limits).error == nil)
        #expect(decode(Self.requestLine(100) + "\r", limits: limits).error == nil)
        #expect(decode(Self.requestLine(101), limits: limits).error?.status == 414)
        #expect(decode(Self.requestLine(101), step: 1, limits: limits).error?.status == 414)
    }

    @Test func anOverlongMethodIs400Not414() {
        let limits = HTTPRequestLimits(maxRequestLineBytes: 100)
        let method = String(repeating: "A", count: 101)
        #expect(decode(method, limits: limits).error?.status == 400)
        #expect(decode(method, step: 1, limits: limits).error?.status == 400)
        #expect(decode(method + " / HTTP/1.1\r\nHost: x\r\n\r\n", limits: limits).error?.status == 400)
    }

    @Test(arguments: [nil, 1] as [Int?])
    func headerSectionAtTheDefaultLimitAndOnePast(_ step: Int?) {
        #expect(Self.headerLines(32768).utf8.count == 32768)
        let at = decode("GET / HTTP/1.1\r\n" + Self.headerLines(32768) + "\r\n", step: step)
        #expect(at.error == nil)
        #expect(at.requests.count == 1)
        #expect(decode("GET / HTTP/1.1\r\n" + Self.headerLines(32769) + "\r\n", step: step).error?.status == 431)
    }

    @Test func anOverlongHeaderSectionIsRefusedBeforeItEnds() {
        let limits = HTTPRequestLimits(maxHeaderBytes: 100)
        let lines = Self.headerLines(100)
        // The filler field's content, CRLF still to come: 9 + 89 bytes so far.
        let partial = "GET / HTTP/1.1\r\n" + String(decoding: Array(lines.utf8).dropLast(2), as: UTF8.self)
        #expect(decode(partial, limits: limits).error == nil)
        #expect(decode(partial + "\r", limits: limits).error == nil)
        // One more content byte can no longer fit with its CRLF.
        #expect(decode(partial + "v", limits: limits).error?.status == 431)
        #expect(decode(partial + "v", step: 1, limits: limits).error?.status == 431)
        // At the limit, the CR of the final empty line may still arrive alone.
        #expect(decode("GET / HTTP/1.1\r\n" + lines + "\r", limits: limits).error == nil)
    }

    static func fields(_ count: Int) -> String {
        "Host: x\r\n" + (1..<count).map { "X-\($0): \($0)\r\n" }.joined()
    }

    @Test(arguments: [nil, 1] as [Int?])
    func headerCountAtTheDefaultLimitAndOnePast(_ step: Int?) {
        let at = decode("GET / HTTP/1.1\r\n" + Self.fields(100) + "\r\n", step: step)
        #expect(at.requests.first?.headers.count == 100)
        #expect(decode("GET / HTTP/1.1\r\n" + Self.fields(101) + "\r\n", step: step).error?.status == 431)
    }

    @Test func contentLengthAtTheDefaultLimitAndOnePast() {
        let max = 4 << 20
        let body = [UInt8](repeating: 0x61, count: max)
        let at = decode(Array("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(max)\r\n\r\n".utf8) + body)
        #expect(at.requests.first?.body.count == max)
        // Refused from the head alone, before any of the body is sent.
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \(max + 1)\r\n\r\n") == 413)
    }

    @Test func contentLengthWithLeadingZerosIsItsValue() {
        let limits = HTTPRequestLimits(maxBodyBytes: 10)
        let outcome = decode("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0000000000000000000000010\r\n\r\n0123456789", limits: limits)
        #expect(outcome.requests.first?.body.count == 10)
        #expect(refusal("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 011\r\n\r\n", limits: limits) == 413)
    }

    static func chunked(_ chunks: [Int], trailers: String = "") -> String {
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunks.map { String($0, radix: 16) + "\r\n" + String(repeating: "c", count: $0) + "\r\n" }.joined()
            + "0\r\n" + trailers + "\r\n"
    }

    @Test(arguments: [nil, 1] as [Int?])
    func chunkedBodyAtTheLimitAndOnePast(_ step: Int?) {
        let limits = HTTPRequestLimits(maxBodyBytes: 100)
        #expect(decode(Self.chunked([60, 40]), step: step, limits: limits).requests.first?.body.count == 100)
        #expect(decode(Self.chunked([60, 41]), step: step, limits: limits).error?.status == 413)
        #expect(decode(Self.chunked([101]), step: step, limits: limits).error?.status == 413)
    }

    @Test func anOversizedChunkIsRefusedFromItsSizeLine() {
        let limits = HTTPRequestLimits(maxBodyBytes: 100)
        let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(refusal(head + "65\r\n", limits: limits) == 413)
        #expect(refusal(head + "FFFFFFFFFFFFFFFFFFFFFFFF\r\n", limits: limits) == 413)
        #expect(refusal(head + "0000000000000000000000064\r\n", limits: limits) == nil)
    }

    @Test func chunkSizeLineAtTheLimitAndOnePast() {
        let limits = HTTPRequestLimits(maxChunkLineBytes: 20)
        let head = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        let at = "1;" + String(repeating: "e", count: 18)
        #expect(decode(head + at + "\r\nx\r\n0\r\n\r\n", limits: limits).requests.first?.body == [UInt8(ascii: "x")])
        #expect(refusal(head + at + "e\r\nx\r\n0\r\n\r\n", limits: limits) == 400)
        #expect(decode(head + at + "e", step: 1, limits: limits).error?.status == 400)
    }

    @Test func trailersAreHeldToTheHeaderBounds() {
        // The head's own fields (Host, Transfer-Encoding) are 37 bytes; trailers get their own 40.
        let limits = HTTPRequestLimits(maxHeaderBytes: 40, maxHeaderCount: 3)
        let forty = "T: " + String(repeating: "t", count: 35) + "\r\n"
        #expect(decode(Self.chunked([1], trailers: forty), limits: limits).requests.count == 1)
        #expect(decode(Self.chunked([1], trailers: "T: t" + forty), limits: limits).error?.status == 431)
        #expect(decode(Self.chunked([1], trailers: "t" + forty), step: 1, limits: limits).error?.status == 431)
        #expect(decode(Self.chunked([1], trailers: "A: 1\r\nB: 2\r\nC: 3\r\n"), limits: limits).requests.count == 1)
        #expect(decode(Self.chunked([1], trailers: "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"), limits: limits).error?.status == 431)
    }

    @Test func leadingEmptyLinesAreSkipped() {
        let outcome = decode("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n", step: 1)
        #expect(outcome.error == nil)
        #expect(outcome.requests.map(\.path) == ["/", "/2"])
    }
}
