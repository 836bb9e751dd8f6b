/// A notification already serialized as a complete JSON-RPC message, ready to go to any number
/// of peers. The params stay alongside for peers that record rather than send.
public struct EncodedNotification: Sendable {
    public let method: String
    public let params: JSONValue
    /// `{"jsonrpc":"2.0","method":…,"params":…}` as UTF-8.
    public let bytes: [UInt8]

    public init(method: String, params: JSONValue) {
        self.method = method
        self.params = params
        self.bytes = JSONWriter.bytes(RPCMessage.notification(method: method, params: params))
    }
}
