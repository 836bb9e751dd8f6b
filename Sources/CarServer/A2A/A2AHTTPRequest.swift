import CarA2A
import CarJSON
import CarRPC

/// One POSTed body read as an A2A JSON-RPC request, or the error that refuses it. A2A has no
/// notifications or batches: a body that is not one request object is an invalid request.
enum A2AHTTPRequest: Sendable {
    struct Call: Sendable {
        var id: RPCID?
        var method: String
        var params: JSONValue
    }

    case call(Call)
    case refused(id: RPCID?, A2AError)

    init(_ body: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            self = .refused(id: nil, A2AError(code: A2AError.parseErrorCode, message: "Parse error: \(error)"))
            return
        }
        guard case .object(let members) = value else {
            let what = value.arrayValue != nil ? "batches are not supported" : "the body must be a JSON-RPC request object"
            self = .refused(id: nil, A2AError(code: A2AError.invalidRequestCode, message: "Invalid Request: \(what)"))
            return
        }
        let id = members["id"].flatMap(RPCID.init(json:))
        if let raw = members["id"], raw != .null, id == nil {
            self = .refused(id: nil, A2AError(code: A2AError.invalidRequestCode, message: "Invalid Request: id must be a string or an integer"))
            return
        }
        guard members["jsonrpc"] == "2.0" else {
            self = .refused(id: id, A2AError(code: A2AError.invalidRequestCode, message: "Invalid Request: jsonrpc must be \"2.0\""))
            return
        }
        guard case .string(let method)? = members["method"] else {
            self = .refused(id: id, A2AError(code: A2AError.invalidRequestCode, message: "Invalid Request: method must be a string"))
            return
        }
        let params = members["params"] ?? .object([:])
        guard case .object = params else {
            self = .refused(id: id, A2AError(code: A2AError.invalidParamsCode, message: "Invalid params: params must be an object"))
            return
        }
        self = .call(Call(id: id, method: method, params: params))
    }
}
