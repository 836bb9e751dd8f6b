/// What an A2A method does, whatever its version calls it (`SendMessage` in 1.0 is
/// `message/send` in 0.3). The spec maps every wire name to one of these.
public enum A2AOperation: String, Sendable, Hashable, CaseIterable {
    case sendMessage = "SendMessage"
    case sendStreamingMessage = "SendStreamingMessage"
    case getTask = "GetTask"
    case listTasks = "ListTasks"
    case cancelTask = "CancelTask"
    case subscribeToTask = "SubscribeToTask"
    case createTaskPushNotificationConfig = "CreateTaskPushNotificationConfig"
    case getTaskPushNotificationConfig = "GetTaskPushNotificationConfig"
    case listTaskPushNotificationConfigs = "ListTaskPushNotificationConfigs"
    case deleteTaskPushNotificationConfig = "DeleteTaskPushNotificationConfig"
    case getExtendedAgentCard = "GetExtendedAgentCard"

    /// Answered with an event stream (SSE over HTTP); a transport without streams refuses it.
    public var streams: Bool { self == .sendStreamingMessage || self == .subscribeToTask }
}
