public struct HTTPVersion: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// How the body of a request is delimited, decided from its headers.
public enum HTTPBodyFraming: Sendable, Equatable {
    case none
    case length(Int)
    case chunked
}

/// A request line and header section, validated; the body may still be arriving.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request target exactly as sent (`/mcp?x=1`, `http://host/mcp`, `*`).
    public var target: String
    /// The path of the target: for origin-form everything before `?`, for absolute-form the
    /// part after the authority (`/` when empty), for `*` and authority-form the target itself.
    /// Not percent-decoded.
    public var path: String
    /// What follows the first `?`, not percent-decoded; nil when there is no `?`.
    public var query: String?
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var bodyFraming: HTTPBodyFraming
    /// Whether the connection may carry another request after this one's response:
    /// HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
    public var keepAlive: Bool
    /// `Expect: 100-continue` on an HTTP/1.1 request with a body: the client may wait for an
    /// interim 100 (`HTTPResponse.continue`) before sending the body.
    public var expectsContinue: Bool
}

/// A complete request.
public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var target: String { head.target }
    public var path: String { head.path }
    public var query: String? { head.query }
    public var version: HTTPVersion { head.version }
    public var headers: HTTPHeaders { head.headers }
    public var keepAlive: Bool { head.keepAlive }
}
