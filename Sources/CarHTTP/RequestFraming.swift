/// Turns a parsed request line and header fields into a head: Host, body framing (RFC 9112
/// §6), Expect and keep-alive. Everything here that a proxy in front of us could read
/// differently is refused rather than guessed, since a disagreement about where a body ends
/// is request smuggling.
enum RequestFraming {
    static func head(_ line: RequestLine, _ headers: HTTPHeaders, limits: HTTPRequestLimits) throws(HTTPRequestError) -> HTTPRequestHead {
        let hosts = headers.values("Host")
        if hosts.count > 1 { throw .badRequest("more than one Host header") }
        if line.version == .http1_1 && hosts.isEmpty { throw .badRequest("an HTTP/1.1 request must carry a Host header") }

        let framing = try bodyFraming(headers, version: line.version, limits: limits)
        let connection = headers.tokens("Connection")
        let keepAlive = line.version == .http1_1 ? !connection.contains("close")
            : connection.contains("keep-alive") && !connection.contains("close")

        var expectsContinue = false
        let expectations = headers.tokens("Expect")
        // An HTTP/1.0 client cannot know 100 (RFC 9110 §10.1.1): its Expect is ignored.
        if line.version == .http1_1 && !expectations.isEmpty {
            guard expectations == ["100-continue"] else {
                throw HTTPRequestError(status: 417, reason: "the only expectation supported is 100-continue")
            }
            expectsContinue = framing != .none
        }
        return HTTPRequestHead(method: line.method, target: line.target, path: line.path, query: line.query,
                               version: line.version, headers: headers, bodyFraming: framing,
                               keepAlive: keepAlive, expectsContinue: expectsContinue)
    }

    private static func bodyFraming(_ headers: HTTPHeaders, version: HTTPVersion, limits: HTTPRequestLimits) throws(HTTPRequestError) -> HTTPBodyFraming {
        let lengths = headers.values("Content-Length")
        let hasEncoding = headers.contains("Transfer-Encoding")
        if hasEncoding && !lengths.isEmpty {
            throw .badRequest("both Content-Length and Transfer-Encoding: the body's end would be ambiguous")
        }
        if hasEncoding {
            // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            guard version == .http1_1 else { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            let codings = headers.tokens("Transfer-Encoding")
            guard let last = codings.last else { throw .badRequest("empty Transfer-Encoding") }
            guard last == "chunked" else {
                throw .badRequest("Transfer-Encoding must end with chunked, got '\(last)'")
            }
            guard codings.count == 1 else {
                throw HTTPRequestError(status: 501, reason: "transfer codings other than chunked are not supported")
            }
            return .chunked
        }
        guard let length = lengths.first else { return .none }
        // Two Content-Length fields, or one holding a list, are refused even when they agree:
        // some intermediaries take the first and some the last.
        guard lengths.count == 1 else { throw .badRequest("more than one Content-Length header") }
        let digits = Array(length.utf8)
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw .badRequest("Content-Length '\(length)' is not a decimal number")
        }
        let tooLarge = HTTPRequestError(status: 413, reason: "body of \(length) bytes is over the limit of \(limits.maxBodyBytes)")
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 18, let value = Int(length) else { throw tooLarge }
        guard value <= limits.maxBodyBytes else { throw tooLarge }
        return value == 0 ? .none : .length(value)
    }
}
