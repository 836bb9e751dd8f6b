/// A validated WebSocket opening handshake (RFC 6455 §4.2.1).
public struct UpgradeRequest: Sendable {
    public var method: String
    public var target: String
    public var headers: [(name: String, value: String)]
    /// The client's Sec-WebSocket-Key, already checked to be 16 bytes of base64.
    public var key: String

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

public enum UpgradeParseResult: Sendable {
    case incomplete
    /// `consumed` is where the header block ends; bytes after it are already frames.
    case complete(UpgradeRequest, consumed: Int)
    case invalid(status: Int, reason: String)
}
