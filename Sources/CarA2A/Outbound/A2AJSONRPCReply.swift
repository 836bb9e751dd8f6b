import CarJSON

/// A peer's answer to one JSON-RPC call: its `result`, or its `error` as it sent it. The id is
/// not checked against ours (the official client does not either, and one request is in
/// flight per connection exchange).
enum A2AJSONRPCReply: Sendable, Equatable {
    case result(JSONValue)
    case error(code: Int, message: String, data: JSONValue?)

    /// `display` names the peer in errors. A JSON-RPC error is read whatever the HTTP status
    /// (the SDK sends them with 200, other servers with 4xx/5xx); anything else must be 2xx.
    static func parse(_ response: A2AHTTPResponse, display: String) throws(A2AError) -> A2AJSONRPCReply {
        let parsed = try? JSONParser.parse(response.body)
        if let error = parsed?["error"]?.objectValue, let code = error["code"]?.intValue, let small = Int(exactly: code) {
            return .error(code: small, message: error["message"]?.stringValue ?? "", data: error["data"])
        }
        guard response.isSuccess else {
            throw A2AError(code: A2AError.internalErrorCode, message: "peer \(display) answered HTTP \(response.status)")
        }
        guard let parsed else {
            throw A2AError(code: A2AError.internalErrorCode, message: "peer \(display) answered with a body that is not JSON")
        }
        guard case .object(let members) = parsed, let result = members["result"] else {
            throw A2AError(code: A2AError.internalErrorCode, message: "peer \(display) answered with JSON that is not a JSON-RPC response")
        }
        return .result(result)
    }
}
