import CarJSON

extension A2ACodec {
    // MARK: Status

    func status(_ fields: A2AFields) throws(A2AError) -> A2ATaskStatus {
        let path = fields.path("state")
        let state: A2ATaskState
        switch fields.value("state") {
        case nil:
            throw .invalidParams(field: path, "Field is required.")
        case .string(let name)?:
            guard let named = A2ATaskState(wireName: name, version: version) else {
                throw .invalidParams(field: path, "\"\(A2AError.clip(name))\" is not a \(version.rawValue) task state")
            }
            state = named
        case let other?:
            guard version == .v1_0, let number = other.intValue, let numbered = A2ATaskState(protoNumber: number) else {
                throw .invalidParams(field: path, "expected a task state name, got \(other.typeName)")
            }
            state = numbered
        }
        var timestamp: Int64?
        if let text = try fields.string("timestamp") {
            guard let micros = RFC3339.parse(text) else {
                throw .invalidParams(field: fields.path("timestamp"), "expected an RFC 3339 timestamp with a zone")
            }
            timestamp = micros
        }
        let message = try fields.value("message").map { value throws(A2AError) in try self.message(value, path: fields.path("message")) }
        return A2ATaskStatus(state: state, message: message, timestamp: timestamp)
    }

    public func encode(_ status: A2ATaskStatus) -> JSONValue {
        var object: [String: JSONValue] = ["state": .string(status.state.wireName(version))]
        if let message = status.message { object["message"] = encode(message) }
        if let timestamp = status.timestamp { object["timestamp"] = Self.timestamp(timestamp) }
        return .object(object)
    }

    // MARK: Task

    func task(_ fields: A2AFields, path: String) throws(A2AError) -> A2ATask {
        try expectKind(fields, "task")
        guard let statusFields = try fields.object("status") else { throw .invalidParams(field: fields.path("status"), "Field is required.") }
        var artifacts: [A2AArtifact] = []
        for (index, element) in (try fields.array("artifacts") ?? []).enumerated() {
            artifacts.append(try artifact(element, path: "\(fields.path("artifacts"))[\(index)]"))
        }
        var history: [A2AMessage] = []
        for (index, element) in (try fields.array("history") ?? []).enumerated() {
            history.append(try message(element, path: "\(fields.path("history"))[\(index)]"))
        }
        return A2ATask(id: try fields.requiredString("id"), contextID: try fields.optionalString("contextId") ?? "",
                       status: try status(statusFields), artifacts: artifacts, history: history,
                       metadata: try fields.metadata("metadata"))
    }

    /// A bare task: GetTask's and CancelTask's result, in both versions.
    public func encode(_ task: A2ATask) -> JSONValue {
        var object: [String: JSONValue] = ["id": .string(task.id), "status": encode(task.status)]
        if version == .v0_3 { object["kind"] = "task" }
        // 0.3 requires contextId; 1.0 leaves an empty string out.
        if !task.contextID.isEmpty || version == .v0_3 { object["contextId"] = .string(task.contextID) }
        if !task.artifacts.isEmpty { object["artifacts"] = .array(task.artifacts.map(encode)) }
        if !task.history.isEmpty { object["history"] = .array(task.history.map(encode)) }
        if let metadata = task.metadata { object["metadata"] = .object(metadata) }
        return .object(object)
    }

    // MARK: Results and stream events

    /// SendMessage's result: wrapped in 1.0, bare in 0.3.
    public func encode(_ result: A2ASendResult) -> JSONValue {
        switch result {
        case .task(let task): version == .v1_0 ? ["task": encode(task)] : encode(task)
        case .message(let message): version == .v1_0 ? ["message": encode(message)] : encode(message)
        }
    }

    /// One stream event's result. In 0.3 a status update is `final` when it ends the stream.
    public func encode(_ update: A2AUpdate) -> JSONValue {
        switch update {
        case .task(let task):
            return encode(.task(task) as A2ASendResult)
        case .message(let message):
            return encode(.message(message) as A2ASendResult)
        case .status(let event):
            var object: [String: JSONValue] = [
                "taskId": .string(event.taskID), "contextId": .string(event.contextID), "status": encode(event.status),
            ]
            if let metadata = event.metadata { object["metadata"] = .object(metadata) }
            guard version == .v0_3 else { return ["statusUpdate": .object(object)] }
            object["kind"] = "status-update"
            object["final"] = .bool(update.endsStream)
            return .object(object)
        case .artifact(let event):
            var object: [String: JSONValue] = [
                "taskId": .string(event.taskID), "contextId": .string(event.contextID), "artifact": encode(event.artifact),
            ]
            if let metadata = event.metadata { object["metadata"] = .object(metadata) }
            guard version == .v0_3 else {
                if event.append { object["append"] = true }
                if event.lastChunk { object["lastChunk"] = true }
                return ["artifactUpdate": .object(object)]
            }
            object["kind"] = "artifact-update"
            object["append"] = .bool(event.append)
            object["lastChunk"] = .bool(event.lastChunk)
            return .object(object)
        }
    }

    func update(_ value: JSONValue) throws(A2AError) -> A2AUpdate {
        let fields = try fields(value, "")
        switch version {
        case .v1_0:
            let present = ["task", "message", "statusUpdate", "artifactUpdate"].filter(fields.has)
            guard present.count == 1 else {
                throw .invalidParams(field: "", present.isEmpty ? "the result holds none of task, message, statusUpdate, artifactUpdate"
                                         : "the result holds more than one of \(present.joined(separator: ", "))")
            }
            let key = present[0]
            switch key {
            case "task": return .task(try task(try fields.object(key)!, path: key))
            case "message": return .message(try message(fields.value(key)!, path: key))
            case "statusUpdate": return .status(try statusUpdate(try fields.object(key)!))
            default: return .artifact(try artifactUpdate(try fields.object(key)!))
            }
        case .v0_3:
            let kind = try fields.string("kind") ?? (fields.has("role") ? "message" : fields.has("status") ? "task" : "")
            switch kind {
            case "task": return .task(try task(fields, path: ""))
            case "message": return .message(try message(value, path: ""))
            case "status-update": return .status(try statusUpdate(fields))
            case "artifact-update": return .artifact(try artifactUpdate(fields))
            default:
                throw .invalidParams(field: "kind", kind.isEmpty ? "Field is required." : "\"\(A2AError.clip(kind))\" is not a 0.3 result kind")
            }
        }
    }

    private func statusUpdate(_ fields: A2AFields) throws(A2AError) -> A2AStatusUpdate {
        guard let statusFields = try fields.object("status") else { throw .invalidParams(field: fields.path("status"), "Field is required.") }
        return A2AStatusUpdate(taskID: try fields.requiredString("taskId"), contextID: try fields.optionalString("contextId") ?? "",
                               status: try status(statusFields), metadata: try fields.metadata("metadata"))
    }

    private func artifactUpdate(_ fields: A2AFields) throws(A2AError) -> A2AArtifactUpdate {
        guard let artifact = fields.value("artifact") else { throw .invalidParams(field: fields.path("artifact"), "Field is required.") }
        return A2AArtifactUpdate(taskID: try fields.requiredString("taskId"), contextID: try fields.optionalString("contextId") ?? "",
                                 artifact: try self.artifact(artifact, path: fields.path("artifact")),
                                 append: try fields.bool("append") ?? false, lastChunk: try fields.bool("lastChunk") ?? false,
                                 metadata: try fields.metadata("metadata"))
    }

    /// ListTasks' result (1.0 only: 0.3 has no `tasks/list`). `nextPageToken` is always there.
    public func encode(_ page: A2ATaskPage) -> JSONValue {
        [
            "tasks": .array(page.tasks.map(encode)),
            "nextPageToken": .string(page.nextPageToken),
            "pageSize": .int(Int64(page.pageSize)),
            "totalSize": .int(Int64(page.totalSize)),
        ]
    }
}
