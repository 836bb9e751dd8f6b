import CarA2A
import CarHTTP
import CarJSON
import CarRPC

/// With auth on, every A2A JSON-RPC request carries `Authorization: Bearer <token>`: the
/// daemon's token or one issued to a peer (`a2a.tokens.issue`), compared in constant time. The
/// agent card stays public, as A2A clients read it before they authenticate. No token appears
/// in an answer or a log.
struct A2ABearerCheck: Sendable {
    private let bearer: BearerAuthorization?

    init(daemonToken: String?, peerTokens: A2AAccessTokens) {
        bearer = daemonToken.map { token in
            BearerAuthorization { presented in
                // Both are compared, so the time does not say which kind of token it was.
                let daemon = ConstantTime.equals(presented, token)
                let peer = peerTokens.accepts(presented, equals: ConstantTime.equals)
                return daemon || peer
            }
        }
    }

    func refusal(_ headers: HTTPHeaders) -> HTTPResponse? {
        guard let refusal = bearer?.refusal(headers) else { return nil }
        let reason = refusal.reason(naming: "the daemon's auth token or an A2A token from a2a.tokens.issue")
        let error = A2AError(code: A2AError.invalidRequestCode, message: "Unauthorized: \(reason)")
        let body = HTTPResponse.json(JSONWriter.bytes(A2AHTTPEndpoint.envelope(id: nil, ["error": error.errorObject(for: .v1_0)])), status: 401)
        return BearerAuthorization.challenged(body, refusal)
    }
}
