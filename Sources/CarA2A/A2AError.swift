import CarJSON

/// An A2A error: JSON-RPC's own codes and A2A's -32001...-32009, as the A2A specification
/// numbers them (these are not the daemon's own codes of the same numbers).
public struct A2AError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// Extra detail for the error object (1.0 sends it as a list of `google.rpc.ErrorInfo`).
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "A2A error \(code): \(message)" }

    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603
    public static let taskNotFoundCode = -32001
    public static let taskNotCancelableCode = -32002
    public static let pushNotificationNotSupportedCode = -32003
    public static let unsupportedOperationCode = -32004
    public static let contentTypeNotSupportedCode = -32005
    public static let invalidAgentResponseCode = -32006
    public static let extendedAgentCardNotConfiguredCode = -32007
    public static let extensionSupportRequiredCode = -32008
    public static let versionNotSupportedCode = -32009
}
