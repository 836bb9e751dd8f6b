/// A complete response with a Content-Length body, written as bytes by `encode`.
///
/// Header names and values are the caller's; CR, LF and NUL in them are replaced by spaces
/// when written (a value echoed from elsewhere can never split the response), and any
/// Content-Length or Transfer-Encoding set by the caller is replaced by the real length.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(text.utf8))
    }

    public static func json(_ bytes: [UInt8], status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }

    /// The interim answer to `Expect: 100-continue`.
    public static let `continue`: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// The response's bytes. `keepAlive` false adds `Connection: close` (the caller closes
    /// after writing); true to an HTTP/1.0 client adds `Connection: keep-alive`, which it
    /// needs to keep the connection. `headOnly` (the answer to HEAD) keeps Content-Length but
    /// writes no body. 1xx, 204 and 304 get neither Content-Length nor body.
    public func encode(keepAlive: Bool = true, requestVersion: HTTPVersion = .http1_1, headOnly: Bool = false) -> [UInt8] {
        var headers = headers
        headers.remove("Content-Length")
        headers.remove("Transfer-Encoding")
        let sendsBody = !HTTPStatus.forbidsBody(status)
        if sendsBody { headers.add("Content-Length", String(body.count)) }
        HTTPResponseHead.setConnection(&headers, keepAlive: keepAlive, requestVersion: requestVersion)
        var bytes = HTTPResponseHead.encode(status: status, headers: headers)
        if sendsBody && !headOnly { bytes.append(contentsOf: body) }
        return bytes
    }
}

/// Status line and header section, shared by complete and streamed responses.
public enum HTTPResponseHead {
    public static func encode(status: Int, headers: HTTPHeaders) -> [UInt8] {
        var text = "HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n"
        for field in headers {
            text += clean(field.name) + ": " + clean(field.value) + "\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    static func setConnection(_ headers: inout HTTPHeaders, keepAlive: Bool, requestVersion: HTTPVersion) {
        if !keepAlive {
            headers.set("Connection", "close")
        } else if requestVersion == .http1_0 {
            headers.set("Connection", "keep-alive")
        }
    }

    private static func clean(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == HTTPBytes.cr || $0 == HTTPBytes.lf || $0 == 0 }) else { return text }
        return String(text.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" || $0 == "\0" ? " " : $0 })
    }
}
