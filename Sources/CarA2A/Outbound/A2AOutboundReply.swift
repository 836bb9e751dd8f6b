import CarJSON

/// What a peer answered a send with: its JSON-RPC `result`, untouched, in the shapes of the
/// version the call ended up speaking (1.0 `{"task"|"message": …}`, 0.3 a bare object with
/// `kind`). Converting a 0.3 result to 1.0 is the codec's job, not the client's.
public struct A2AOutboundReply: Sendable, Equatable {
    public var version: A2AProtocolVersion
    public var result: JSONValue

    public init(version: A2AProtocolVersion, result: JSONValue) {
        self.version = version
        self.result = result
    }
}
