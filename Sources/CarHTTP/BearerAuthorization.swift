/// The bearer rule of the daemon's HTTP endpoints (RFC 6750): `Authorization: Bearer <token>`.
/// The endpoint decides which tokens it takes (and compares them in constant time) and how a
/// refusal's body looks; this type reads the header and names the challenge, so every
/// endpoint refuses the same way. A token never appears in a refusal.
public struct BearerAuthorization: Sendable {
    /// Why a request was refused, with the `WWW-Authenticate` challenge that goes with it.
    public enum Refusal: Sendable, Equatable {
        case missing
        case invalid

        public var challenge: String {
            switch self {
            case .missing: "Bearer realm=\"car-server\""
            case .invalid: "Bearer realm=\"car-server\", error=\"invalid_token\""
            }
        }

        /// For the refusal's body: what the client should change.
        public func reason(naming credential: String) -> String {
            switch self {
            case .missing: "missing bearer token: send 'Authorization: Bearer <\(credential)>'"
            case .invalid: "invalid bearer token"
            }
        }
    }

    private let accepts: @Sendable (String) -> Bool

    /// `accepts` sees the presented token; it must compare in constant time.
    public init(accepts: @escaping @Sendable (String) -> Bool) {
        self.accepts = accepts
    }

    /// nil when the request carries a token `accepts` takes.
    public func refusal(_ headers: HTTPHeaders) -> Refusal? {
        guard headers["Authorization"] != nil else { return .missing }
        guard let token = Self.token(in: headers), accepts(token) else { return .invalid }
        return nil
    }

    /// The token of an `Authorization: Bearer <token>` header, if the request has one.
    public static func token(in headers: HTTPHeaders) -> String? {
        guard let header = headers["Authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return HTTPHeaders.trimmed(parts[1])
    }

    /// `response` with the challenge of `refusal`, as a 401 must carry it.
    public static func challenged(_ response: HTTPResponse, _ refusal: Refusal) -> HTTPResponse {
        var response = response
        response.headers.set("WWW-Authenticate", refusal.challenge)
        return response
    }
}
