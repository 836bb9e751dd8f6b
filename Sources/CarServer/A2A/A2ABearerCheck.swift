import CarA2A
import CarHTTP
import CarJSON
import CarRPC

/// With auth on, every A2A JSON-RPC request carries `Authorization: Bearer <token>` (the
/// daemon's token), compared in constant time. The agent card stays public, as A2A clients
/// read it before they authenticate. The token never appears in an answer or a log.
struct A2ABearerCheck: Sendable {
    let token: String?

    func refusal(_ headers: HTTPHeaders) -> HTTPResponse? {
        guard let token else { return nil }
        guard let header = headers["Authorization"] else {
            return Self.unauthorized("missing bearer token: send 'Authorization: Bearer <token>'", challenge: "Bearer realm=\"car-server\"")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer", ConstantTime.equals(HTTPHeaders.trimmed(parts[1]), token) else {
            return Self.unauthorized("invalid bearer token", challenge: "Bearer realm=\"car-server\", error=\"invalid_token\"")
        }
        return nil
    }

    private static func unauthorized(_ reason: String, challenge: String) -> HTTPResponse {
        let error = A2AError(code: A2AError.invalidRequestCode, message: "Unauthorized: \(reason)")
        var response = HTTPResponse.json(JSONWriter.bytes(A2AHTTPEndpoint.envelope(id: nil, ["error": error.errorObject(for: .v1_0)])), status: 401)
        response.headers.set("WWW-Authenticate", challenge)
        return response
    }
}
