import CarHTTP
import CarRPC

/// The bearer rule every MCP request meets when auth is on: `Authorization: Bearer <the
/// daemon's token>`, compared in constant time. The 401 says which scheme would work
/// (RFC 6750 §3); the token itself never appears in an answer or a log.
struct MCPAuthorization: Sendable {
    let token: String?

    /// nil when the request may go on, else the 401 to answer with.
    func refusal(_ headers: HTTPHeaders) -> HTTPResponse? {
        guard let token else { return nil }
        guard let header = headers["Authorization"] else {
            return Self.unauthorized("missing bearer token: send 'Authorization: Bearer <the daemon's auth token>'", challenge: "Bearer realm=\"car-server\"")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
              ConstantTime.equals(HTTPHeaders.trimmed(parts[1]), token) else {
            return Self.unauthorized("invalid bearer token", challenge: "Bearer realm=\"car-server\", error=\"invalid_token\"")
        }
        return nil
    }

    private static func unauthorized(_ reason: String, challenge: String) -> HTTPResponse {
        var response = MCPResponses.error(status: 401, id: nil, code: RPCErrorCode.authRequired, message: reason)
        response.headers.set("WWW-Authenticate", challenge)
        return response
    }
}
