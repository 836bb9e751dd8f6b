import CarHTTP
import CarRPC

/// The bearer rule every MCP request meets when auth is on: `Authorization: Bearer <the
/// daemon's token>`, compared in constant time. The 401 says which scheme would work
/// (RFC 6750 §3); the token itself never appears in an answer or a log.
struct MCPAuthorization: Sendable {
    private let bearer: BearerAuthorization?

    init(token: String?) {
        bearer = token.map { token in BearerAuthorization { ConstantTime.equals($0, token) } }
    }

    /// nil when the request may go on, else the 401 to answer with.
    func refusal(_ headers: HTTPHeaders) -> HTTPResponse? {
        guard let refusal = bearer?.refusal(headers) else { return nil }
        let body = MCPResponses.error(status: 401, id: nil, code: RPCErrorCode.authRequired, message: refusal.reason(naming: "the daemon's auth token"))
        return BearerAuthorization.challenged(body, refusal)
    }
}
