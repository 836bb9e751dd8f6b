import CarJSON

/// The errors the dispatcher and codecs raise, worded as the SDK's server words them where it
/// has a wording (clients and tests match on the text).
extension A2AError {
    /// `Task not found`, or `Task <id> not found` where the SDK names it (a send naming a task).
    public static func taskNotFound(_ id: String? = nil) -> A2AError {
        A2AError(code: taskNotFoundCode, message: id.map { "Task \(clip($0)) not found" } ?? "Task not found")
    }

    public static func taskNotCancelable() -> A2AError {
        A2AError(code: taskNotCancelableCode, message: "Task cannot be canceled")
    }

    public static func pushNotificationNotSupported() -> A2AError {
        A2AError(code: pushNotificationNotSupportedCode, message: "Push notifications are not supported by the agent")
    }

    public static func unsupportedOperation(_ message: String) -> A2AError {
        A2AError(code: unsupportedOperationCode, message: message)
    }

    /// A send or subscribe naming a task that has ended (1.0 state names, in both versions).
    public static func terminalTask(_ id: String, _ state: A2ATaskState) -> A2AError {
        unsupportedOperation("Task \(clip(id)) is in terminal state: \(state.wireName(.v1_0))")
    }

    /// What the SDK answers GetExtendedAgentCard with when the card does not offer one.
    public static func extendedCardNotSupported() -> A2AError {
        unsupportedOperation("The agent does not support authenticated extended cards")
    }

    public static func extendedCardNotConfigured() -> A2AError {
        A2AError(code: extendedAgentCardNotConfiguredCode, message: "Authenticated extended card is not configured")
    }

    public static func contentTypeNotSupported(_ message: String) -> A2AError {
        A2AError(code: contentTypeNotSupportedCode, message: message)
    }

    public static func invalidAgentResponse(_ message: String) -> A2AError {
        A2AError(code: invalidAgentResponseCode, message: message)
    }

    public static func versionNotSupported(_ message: String) -> A2AError {
        A2AError(code: versionNotSupportedCode, message: message)
    }

    /// A parameter that is missing or wrong: the message names its path (`message.parts[0].text`),
    /// and `data.errors` lists it as the SDK's validation errors do.
    public static func invalidParams(field: String, _ detail: String) -> A2AError {
        A2AError(code: invalidParamsCode, message: field.isEmpty ? detail : "\(field): \(detail)",
                 data: ["errors": [["field": .string(field), "message": .string(detail)]]])
    }

    public static func invalidParams(_ message: String) -> A2AError {
        A2AError(code: invalidParamsCode, message: message)
    }

    public static func methodNotFound(_ method: String? = nil) -> A2AError {
        A2AError(code: methodNotFoundCode, message: method.map { "Method not found: \(clip($0))" } ?? "Method not found")
    }

    public static func invalidRequest(_ message: String) -> A2AError {
        A2AError(code: invalidRequestCode, message: message)
    }

    public static func parseError(_ message: String) -> A2AError {
        A2AError(code: parseErrorCode, message: message)
    }

    public static func internalError(_ message: String) -> A2AError {
        A2AError(code: internalErrorCode, message: message)
    }

    /// Ids and names from a client are echoed in messages; a huge one is cut so an error stays small.
    static func clip(_ text: String, to limit: Int = 200) -> String {
        text.utf8.count <= limit ? text : String(decoding: Array(text.utf8.prefix(limit)), as: UTF8.self) + "…"
    }
}
