import CarA2A
import CarGenerated
import CarJSON
import CarRPC

/// A2A's JSON-RPC methods on the WebSocket (the in-core dispatcher): each name is one line,
/// its operation and version read from the spec's A2A table. The streaming ones have no
/// route here (MethodNotFound); the A2A HTTP listener serves them.
extension CarHandler {
    public func sendMessage(_ params: CarMethods.SendMessage.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.SendMessage.Result {
        try await a2a(CarMethods.SendMessage.self, params, context)
    }

    public func messageSend(_ params: CarMethods.MessageSend.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.MessageSend.Result {
        try await a2a(CarMethods.MessageSend.self, params, context)
    }

    public func getTask(_ params: CarMethods.GetTask.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.GetTask.Result {
        try await a2a(CarMethods.GetTask.self, params, context)
    }

    public func tasksGet(_ params: CarMethods.TasksGet.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksGet.Result {
        try await a2a(CarMethods.TasksGet.self, params, context)
    }

    public func listTasks(_ params: CarMethods.ListTasks.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.ListTasks.Result {
        try await a2a(CarMethods.ListTasks.self, params, context)
    }

    public func tasksList(_ params: CarMethods.TasksList.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksList.Result {
        try await a2a(CarMethods.TasksList.self, params, context)
    }

    public func cancelTask(_ params: CarMethods.CancelTask.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.CancelTask.Result {
        try await a2a(CarMethods.CancelTask.self, params, context)
    }

    public func tasksCancel(_ params: CarMethods.TasksCancel.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksCancel.Result {
        try await a2a(CarMethods.TasksCancel.self, params, context)
    }

    public func createTaskPushNotificationConfig(_ params: CarMethods.CreateTaskPushNotificationConfig.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.CreateTaskPushNotificationConfig.Result {
        try await a2a(CarMethods.CreateTaskPushNotificationConfig.self, params, context)
    }

    public func tasksPushNotificationConfigSet(_ params: CarMethods.TasksPushNotificationConfigSet.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksPushNotificationConfigSet.Result {
        try await a2a(CarMethods.TasksPushNotificationConfigSet.self, params, context)
    }

    public func getTaskPushNotificationConfig(_ params: CarMethods.GetTaskPushNotificationConfig.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.GetTaskPushNotificationConfig.Result {
        try await a2a(CarMethods.GetTaskPushNotificationConfig.self, params, context)
    }

    public func tasksPushNotificationConfigGet(_ params: CarMethods.TasksPushNotificationConfigGet.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksPushNotificationConfigGet.Result {
        try await a2a(CarMethods.TasksPushNotificationConfigGet.self, params, context)
    }

    public func listTaskPushNotificationConfigs(_ params: CarMethods.ListTaskPushNotificationConfigs.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.ListTaskPushNotificationConfigs.Result {
        try await a2a(CarMethods.ListTaskPushNotificationConfigs.self, params, context)
    }

    public func tasksPushNotificationConfigList(_ params: CarMethods.TasksPushNotificationConfigList.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksPushNotificationConfigList.Result {
        try await a2a(CarMethods.TasksPushNotificationConfigList.self, params, context)
    }

    public func deleteTaskPushNotificationConfig(_ params: CarMethods.DeleteTaskPushNotificationConfig.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.DeleteTaskPushNotificationConfig.Result {
        try await a2a(CarMethods.DeleteTaskPushNotificationConfig.self, params, context)
    }

    public func tasksPushNotificationConfigDelete(_ params: CarMethods.TasksPushNotificationConfigDelete.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.TasksPushNotificationConfigDelete.Result {
        try await a2a(CarMethods.TasksPushNotificationConfigDelete.self, params, context)
    }

    public func getExtendedAgentCard(_ params: CarMethods.GetExtendedAgentCard.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.GetExtendedAgentCard.Result {
        try await a2a(CarMethods.GetExtendedAgentCard.self, params, context)
    }

    public func agentGetAuthenticatedExtendedCard(_ params: CarMethods.AgentGetAuthenticatedExtendedCard.Params, context: RPCContext<ClientSession>) async throws -> CarMethods.AgentGetAuthenticatedExtendedCard.Result {
        try await a2a(CarMethods.AgentGetAuthenticatedExtendedCard.self, params, context)
    }

    /// Runs `method`'s A2A operation in its version's shapes, for the calling session (the
    /// daemon's side: every task; approvals know it raised them); A2A's errors keep their codes.
    private func a2a<Method: RPCRequestMethod>(_ method: Method.Type, _ params: [String: JSONValue],
                                               _ context: RPCContext<ClientSession>) async throws -> JSONValue {
        guard let entry = CarA2AMethods.byName[Method.descriptor.name], let operation = A2AOperation(rawValue: entry.operation),
              let version = A2AProtocolVersion(rawValue: entry.version) else {
            throw CarErrors.internalError("\(Method.descriptor.name) is not in the spec's A2A table")
        }
        do {
            return try await state.a2a.dispatcher.call(operation, version: version, params: .object(params),
                                                      caller: .daemon(session: context.session.clientID))
        } catch {
            throw RPCError(code: error.code, message: error.message, data: error.data)
        }
    }
}
