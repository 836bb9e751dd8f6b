import CarJSON

/// Request params, per operation.
extension A2ACodec {
    /// SendMessage / SendStreamingMessage (0.3 `message/send`, `message/stream`).
    public func decodeSendRequest(_ params: JSONValue) throws(A2AError) -> A2ASendRequest {
        let fields = try fields(params, "")
        guard let messageValue = fields.value("message") else { throw .invalidParams(field: "message", "Field is required.") }
        let message = try message(messageValue, path: "message")
        var configuration = A2ASendConfiguration()
        if let config = try fields.object("configuration") {
            configuration.acceptedOutputModes = try config.strings("acceptedOutputModes")
            configuration.historyLength = try config.historyLength()
            switch version {
            case .v1_0:
                configuration.returnImmediately = try config.bool("returnImmediately") ?? false
            case .v0_3:
                // Blocking unless told otherwise; the SDK's 0.3 side reads historyLength 0 as "not given".
                configuration.returnImmediately = !(try config.bool("blocking") ?? true)
                if configuration.historyLength == 0 { configuration.historyLength = nil }
            }
        }
        return A2ASendRequest(message: message, configuration: configuration, metadata: try fields.metadata("metadata"))
    }

    /// GetTask (0.3 `tasks/get`).
    public func decodeGetTaskRequest(_ params: JSONValue) throws(A2AError) -> A2AGetTaskRequest {
        let fields = try fields(params, "")
        var historyLength = try fields.historyLength()
        if version == .v0_3, historyLength == 0 { historyLength = nil }
        return A2AGetTaskRequest(id: try fields.requiredString("id"), historyLength: historyLength)
    }

    /// CancelTask and SubscribeToTask (0.3 `tasks/cancel`, `tasks/resubscribe`): the task's id.
    public func decodeTaskID(_ params: JSONValue) throws(A2AError) -> String {
        try fields(params, "").requiredString("id")
    }

    /// ListTasks (1.0). A page size outside 1...100 and a page token that is not base64 are
    /// refused with the SDK's wording; whether the token names a place is the store's to say.
    public func decodeTaskQuery(_ params: JSONValue) throws(A2AError) -> A2ATaskQuery {
        let fields = try fields(params, "")
        var query = A2ATaskQuery()
        query.contextID = try fields.optionalString("contextId")
        if let value = fields.value("status") {
            switch value {
            case .string(let name):
                guard let state = A2ATaskState(wireName: name, version: .v1_0) else {
                    throw .invalidParams(field: "status", "\"\(A2AError.clip(name))\" is not a task state")
                }
                query.state = state == .unknown ? nil : state
            default:
                guard let number = value.intValue, let state = A2ATaskState(protoNumber: number) else {
                    throw .invalidParams(field: "status", "expected a task state name, got \(value.typeName)")
                }
                query.state = state == .unknown ? nil : state
            }
        }
        if let size = try fields.int32("pageSize") {
            guard size >= A2ATaskQuery.pageSizes.lowerBound else { throw .invalidParams(field: "pageSize", "minimum page size is 1") }
            guard size <= A2ATaskQuery.pageSizes.upperBound else { throw .invalidParams(field: "pageSize", "maximum page size is 100") }
            query.pageSize = size
        }
        query.pageToken = try fields.optionalString("pageToken")
        query.historyLength = try fields.historyLength()
        if let text = try fields.string("statusTimestampAfter") {
            guard let micros = RFC3339.parse(text) else {
                throw .invalidParams(field: "statusTimestampAfter", "expected an RFC 3339 timestamp with a zone")
            }
            query.statusTimestampAfter = micros
        }
        query.includeArtifacts = try fields.bool("includeArtifacts") ?? false
        return query
    }

    /// The request as this version writes it (what the outbound client sends).
    public func encode(_ request: A2ASendRequest) -> JSONValue {
        var configuration: [String: JSONValue] = [:]
        if !request.configuration.acceptedOutputModes.isEmpty {
            configuration["acceptedOutputModes"] = .array(request.configuration.acceptedOutputModes.map(JSONValue.string))
        }
        if let historyLength = request.configuration.historyLength { configuration["historyLength"] = .int(Int64(historyLength)) }
        switch version {
        case .v1_0: if request.configuration.returnImmediately { configuration["returnImmediately"] = true }
        case .v0_3: configuration["blocking"] = .bool(!request.configuration.returnImmediately)
        }
        var object: [String: JSONValue] = ["message": encode(request.message), "configuration": .object(configuration)]
        if let metadata = request.metadata { object["metadata"] = .object(metadata) }
        return .object(object)
    }
}
