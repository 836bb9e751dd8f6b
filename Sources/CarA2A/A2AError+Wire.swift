import CarJSON

extension A2AError {
    /// The JSON-RPC `error` member in the version's shape. 1.0: `data` is a list of
    /// google.rpc details, an `ErrorInfo` (reason, domain `a2a-protocol.org`, this error's
    /// `data` object as `metadata`) and, for field errors, a `BadRequest` with
    /// `fieldViolations`; -32601 and -32700 carry none. 0.3: `data` is this error's data or null.
    public func errorObject(for version: A2AProtocolVersion) -> JSONValue {
        var object: [String: JSONValue] = ["code": .int(Int64(code)), "message": .string(message)]
        switch version {
        case .v0_3:
            object["data"] = data ?? .null
        case .v1_0:
            guard code != Self.methodNotFoundCode, code != Self.parseErrorCode else { break }
            let metadata: JSONValue
            switch data {
            case .object(let members)?: metadata = .object(members)
            case nil, .null?: metadata = [:]
            case let other?: metadata = ["detail": .string(JSONWriter.string(other))]
            }
            var details: [JSONValue] = [[
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": .string(reason),
                "domain": "a2a-protocol.org",
                "metadata": metadata,
            ]]
            if code == Self.invalidParamsCode, let errors = data?["errors"]?.arrayValue, !errors.isEmpty {
                let violations: [JSONValue] = errors.map { error in
                    ["field": error["field"] ?? "", "description": error["message"] ?? ""]
                }
                details.append(["@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": .array(violations)])
            }
            object["data"] = .array(details)
        }
        return .object(object)
    }

    /// The `ErrorInfo.reason` the SDK gives each code.
    public var reason: String {
        switch code {
        case Self.taskNotFoundCode: "TASK_NOT_FOUND"
        case Self.taskNotCancelableCode: "TASK_NOT_CANCELABLE"
        case Self.pushNotificationNotSupportedCode: "PUSH_NOTIFICATION_NOT_SUPPORTED"
        case Self.unsupportedOperationCode: "UNSUPPORTED_OPERATION"
        case Self.contentTypeNotSupportedCode: "CONTENT_TYPE_NOT_SUPPORTED"
        case Self.invalidAgentResponseCode: "INVALID_AGENT_RESPONSE"
        case Self.extendedAgentCardNotConfiguredCode: "EXTENDED_AGENT_CARD_NOT_CONFIGURED"
        case Self.extensionSupportRequiredCode: "EXTENSION_SUPPORT_REQUIRED"
        case Self.versionNotSupportedCode: "VERSION_NOT_SUPPORTED"
        case Self.invalidParamsCode: "INVALID_PARAMS"
        case Self.invalidRequestCode: "INVALID_REQUEST"
        case Self.methodNotFoundCode: "METHOD_NOT_FOUND"
        case Self.internalErrorCode: "INTERNAL_ERROR"
        default: "UNKNOWN_ERROR"
        }
    }
}
