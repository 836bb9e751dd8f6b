import CarHTTP
import CarJSON
import CarRPC

/// The HTTP answers of the endpoint's rules.
enum MCPResponses {
    /// An HTTP error whose body is a JSON-RPC error, as the transport spec suggests, so a
    /// client that reads the body learns why.
    static func error(status: Int, id: RPCID?, code: Int, message: String) -> HTTPResponse {
        .json(JSONWriter.bytes(RPCMessage.error(id: id, RPCError(code: code, message: message))), status: status)
    }

    /// 202 with no body: the answer to a notification or a response.
    static let accepted = HTTPResponse(status: 202)

    static func methodNotAllowed() -> HTTPResponse {
        var response = error(status: 405, id: nil, code: RPCErrorCode.invalidRequest, message: "method not allowed: /mcp takes POST, GET and DELETE")
        response.headers.set("Allow", "GET, POST, DELETE")
        return response
    }
}
