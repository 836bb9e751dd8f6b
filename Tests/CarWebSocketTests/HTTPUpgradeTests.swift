import Testing
@testable import CarWebSocket

@Suite("HTTP upgrade parser")
struct HTTPUpgradeTests {
    static let valid = "GET /socket HTTP/1.1\r\nhost: localhost:9100\r\nUPGRADE: WebSocket\r\nConnection: keep-alive, Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n"

    static func status(_ text: String) -> Int? {
        if case .invalid(let status, _) = HTTPUpgrade.parse(Array(text.utf8)) { return status }
        return nil
    }

    @Test func acceptsAValidRequestWithMixedCaseHeaders() throws {
        guard case .complete(let request, let consumed) = HTTPUpgrade.parse(Array(Self.valid.utf8)) else {
            Issue.record("expected a complete request")
            return
        }
        #expect(consumed == Self.valid.utf8.count)
        #expect(request.target == "/socket")
        #expect(request.key == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(request.header("HOST") == "localhost:9100")
    }

    @Test func leavesPipelinedBytesUnconsumed() {
        let bytes = Array(Self.valid.utf8) + [0x81, 0x80, 1, 2, 3, 4]
        guard case .complete(_, let consumed) = HTTPUpgrade.parse(bytes) else {
            Issue.record("expected a complete request")
            return
        }
        #expect(consumed == bytes.count - 6)
    }

    @Test func waitsForTheEndOfTheHeaders() {
        guard case .incomplete = HTTPUpgrade.parse(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) else {
            Issue.record("expected incomplete")
            return
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 426),
        (valid.replacingOccurrences(of: "sec-websocket-version: 13", with: "sec-websocket-version: 8"), 426),
        (valid.replacingOccurrences(of: "GET /socket", with: "POST /socket"), 400),
        (valid.replacingOccurrences(of: "HTTP/1.1\r\n", with: "HTTP/1.0\r\n"), 400),
        (valid.replacingOccurrences(of: "dGhlIHNhbXBsZSBub25jZQ==", with: "c2hvcnQ="), 400),
        (valid.replacingOccurrences(of: "dGhlIHNhbXBsZSBub25jZQ==", with: "not base64!"), 400),
        (valid.replacingOccurrences(of: "keep-alive, Upgrade", with: "keep-alive"), 400),
        (valid.replacingOccurrences(of: "WebSocket", with: "h2c"), 400),
        (valid.replacingOccurrences(of: "host: localhost:9100\r\n", with: ""), 400),
        ("GARBAGE\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    ])
    func rejectsMalformedRequests(_ text: String, _ expected: Int) {
        #expect(Self.status(text) == expected)
    }

    @Test func refusesGarbageWithoutWaitingForTheHeaderBlock() {
        #expect(Self.status("\u{16}\u{03}\u{01}binary") == 400)
        #expect(Self.status("OPTIONS * HTTP/1.1\r\n") == 400)
        #expect(Self.status("GET / HTTP/1.0\r\n") == 400)
        guard case .incomplete = HTTPUpgrade.parse(Array("GE".utf8)) else {
            Issue.record("a prefix of GET must wait for more bytes")
            return
        }
    }

    @Test func refusesOversizedHeaders() {
        let flood = "GET / HTTP/1.1\r\n" + String(repeating: "X-Pad: aaaaaaaaaaaaaaaa\r\n", count: 2000)
        #expect(Self.status(flood) == 400)
    }

    @Test func errorResponsesAreCompleteHTTP() {
        let text = String(decoding: HTTPUpgrade.errorResponse(status: 426, reason: "WebSocket only"), as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 426 Upgrade Required\r\n"))
        #expect(text.contains("Sec-WebSocket-Version: 13\r\n"))
        #expect(text.hasSuffix("\r\n\r\nWebSocket only\n"))
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
