/// What the decoder hands out: a whole data message (fragments already reassembled, text
/// already checked to be UTF-8) or a control frame. Payloads stay as bytes so the JSON layer
/// can parse them without an intermediate String.
public enum WebSocketMessage: Equatable, Sendable {
    case text([UInt8])
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// `code` is nil when the close frame had no payload (which RFC 6455 reports as 1005).
    case close(code: UInt16?, reason: String)
}
