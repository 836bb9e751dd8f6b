/// An error that crosses the wire as a JSON-RPC error object. Handlers throw it to answer
/// with a specific code; any other error a handler throws becomes -32603 without details.
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    public var description: String { "\(code) \(message)" }
}

/// The codes the runtime itself produces. The spec's `components.errors` lists the same
/// numbers under their names (RPCGen checks that they agree), so the wire contract stays
/// in one place while the runtime does not depend on generated code.
public enum RPCErrorCode {
    public static let parseError = -32700
    public static let invalidRequest = -32600
    public static let methodNotFound = -32601
    public static let invalidParams = -32602
    public static let internalError = -32603
    public static let authRequired = -32001
    public static let forbidden = -32002
    /// A host-only method called without the host role: the reference daemon answers with
    /// its generic internal-error code, so clients written against it see the same number.
    public static let hostRoleRequired = internalError
    public static let approvalDenied = -32003
    public static let deadlineExceeded = -32004
    public static let handshakeRequired = -32005
    public static let protocolMismatch = -32006
    public static let contentRefused = -32007
}
