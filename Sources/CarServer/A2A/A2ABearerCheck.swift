import CarA2A
import CarHTTP
import CarJSON
import CarRPC

/// With auth on, every A2A JSON-RPC request carries `Authorization: Bearer <token>`: the
/// daemon's token (the daemon's side: every task, every tool) or one issued to a peer
/// (`a2a.tokens.issue`: that peer's tasks only), compared in constant time. The agent card
/// stays public, as A2A clients read it before they authenticate. No token appears in an
/// answer or a log.
struct A2ABearerCheck: Sendable {
    private let daemonToken: String?
    private let peerTokens: A2AAccessTokens

    init(daemonToken: String?, peerTokens: A2AAccessTokens) {
        self.daemonToken = daemonToken
        self.peerTokens = peerTokens
    }

    enum Verdict {
        case caller(A2ACaller)
        /// The 401 to answer with.
        case refused(HTTPResponse)
    }

    /// Who the request is from, or the 401 to answer it with.
    func caller(_ headers: HTTPHeaders) -> Verdict {
        guard let daemonToken else { return .caller(.daemon(session: nil)) }
        guard headers["Authorization"] != nil else { return .refused(Self.unauthorized(.missing)) }
        guard let presented = BearerAuthorization.token(in: headers) else { return .refused(Self.unauthorized(.invalid)) }
        // Both kinds are compared, so the time does not say which kind it was.
        let daemon = ConstantTime.equals(presented, daemonToken)
        let peer = peerTokens.holder(of: presented, equals: ConstantTime.equals)
        if daemon { return .caller(.daemon(session: nil)) }
        return peer.map { .caller(.peer(id: $0)) } ?? .refused(Self.unauthorized(.invalid))
    }

    private static func unauthorized(_ refusal: BearerAuthorization.Refusal) -> HTTPResponse {
        let reason = refusal.reason(naming: "the daemon's auth token or an A2A token from a2a.tokens.issue")
        let error = A2AError(code: A2AError.invalidRequestCode, message: "Unauthorized: \(reason)")
        let body = HTTPResponse.json(JSONWriter.bytes(A2AHTTPEndpoint.envelope(id: nil, ["error": error.errorObject(for: .v1_0)])), status: 401)
        return BearerAuthorization.challenged(body, refusal)
    }
}
