/// One inbound JSON-RPC message, classified. Classification is separate from dispatch so the
/// connection can route replies to server-sent requests without touching the request path.
public enum RPCInbound: Sendable {
    case request(id: RPCID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    case response(id: RPCID, outcome: Result<JSONValue, RPCError>)
    /// Not a valid JSON-RPC message; answer with this error (id null when it could not be read).
    case invalid(id: RPCID?, error: RPCError)

    public init(_ message: JSONValue) {
        guard case .object(let object) = message else {
            self = .invalid(id: nil, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                    message: "invalid request: expected a JSON object, got \(message.typeName)"))
            return
        }
        self.init(Envelope(id: object["id"], jsonrpc: object["jsonrpc"], method: object["method"], params: object["params"],
                           result: object["result"], error: object["error"]))
    }

    /// The envelope read straight from a top-level object's members (`JSONParser.parseDocument`)
    /// in one pass: the request path skips hashing them into a dictionary. A repeated key keeps
    /// its last value, as a dictionary would.
    public init(members: [JSONMember]) {
        var envelope = Envelope()
        for member in members {
            switch member.key {
            case "id": envelope.id = member.value
            case "jsonrpc": envelope.jsonrpc = member.value
            case "method": envelope.method = member.value
            case "params": envelope.params = member.value
            case "result": envelope.result = member.value
            case "error": envelope.error = member.value
            default: continue
            }
        }
        self.init(envelope)
    }

    /// The members a JSON-RPC message is classified by.
    private struct Envelope {
        var id, jsonrpc, method, params, result, error: JSONValue?
    }

    private init(_ envelope: Envelope) {
        let rawID = envelope.id
        let id = rawID.flatMap(RPCID.init(json:))
        if let rawID, id == nil {
            self = .invalid(id: nil, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                    message: "invalid request: id must be a string or an integer, got \(rawID.typeName)"))
            return
        }
        guard envelope.jsonrpc == .string("2.0") else {
            self = .invalid(id: id, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                   message: "invalid request: \"jsonrpc\" must be \"2.0\""))
            return
        }
        if let method = envelope.method {
            guard case .string(let name) = method else {
                self = .invalid(id: id, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                       message: "invalid request: \"method\" must be a string"))
                return
            }
            let params = envelope.params
            switch params {
            case nil, .null?, .object?, .array?: break
            default:
                self = .invalid(id: id, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                       message: "invalid request: \"params\" must be an object or an array"))
                return
            }
            self = id.map { .request(id: $0, method: name, params: params) } ?? .notification(method: name, params: params)
            return
        }
        guard let id else {
            self = .invalid(id: nil, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                    message: "invalid request: missing \"method\""))
            return
        }
        if let error = envelope.error, case .object(let fields) = error,
           let code = fields["code"]?.intValue, case .string(let text)? = fields["message"] {
            self = .response(id: id, outcome: .failure(RPCError(code: Int(code), message: text, data: fields["data"])))
        } else if let result = envelope.result {
            self = .response(id: id, outcome: .success(result))
        } else {
            self = .invalid(id: id, error: RPCError(code: RPCErrorCode.invalidRequest,
                                                   message: "invalid request: missing \"method\""))
        }
    }
}

/// Builders for outbound frames, so every reply has the same shape.
public enum RPCMessage {
    public static func result(id: RPCID, _ result: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id.json, "result": result])
    }

    public static func error(id: RPCID?, _ error: RPCError) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id?.json ?? .null, "error": error.json])
    }

    public static func request(id: RPCID, method: String, params: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "id": id.json, "method": .string(method), "params": params])
    }

    public static func notification(method: String, params: JSONValue) -> JSONValue {
        .object(["jsonrpc": "2.0", "method": .string(method), "params": params])
    }
}
