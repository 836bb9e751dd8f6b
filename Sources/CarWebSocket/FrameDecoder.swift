/// Turns received bytes into messages (RFC 6455 §5): validates each frame header before its
/// payload is buffered, unmasks, reassembles fragments and checks text is UTF-8. Control
/// frames come out as soon as they arrive, even between the fragments of a message.
public struct FrameDecoder: Sendable {
    public enum Role: Sendable {
        /// We are the server: the peer is a client and must mask every frame.
        case server
        /// We are the client: the peer is a server and must not mask.
        case client
    }

    private let role: Role
    private let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The opcode and payload so far of a fragmented message in progress.
    private var fragmentOpcode: Opcode?
    private var fragments: [UInt8] = []

    public init(role: Role, maxMessageBytes: Int = 16 << 20) {
        self.role = role
        self.maxMessageBytes = maxMessageBytes
    }

    public var bufferedBytes: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            readIndex = 0
        } else if readIndex >= 64 << 10 && readIndex * 2 >= buffer.count {
            // Compact only when the consumed prefix dominates: amortised O(1) per byte.
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or nil when more bytes are needed.
    public mutating func nextMessage() throws(WebSocketProtocolError) -> WebSocketMessage? {
        while true {
            guard let frame = try nextFrame() else { return nil }
            if let message = try assemble(frame) { return message }
        }
    }

    private struct Frame {
        var fin: Bool
        var opcode: Opcode
        var payload: [UInt8]
    }

    private mutating func nextFrame() throws(WebSocketProtocolError) -> Frame? {
        let available = buffer.count - readIndex
        guard available >= 2 else { return nil }
        let first = buffer[readIndex]
        let second = buffer[readIndex + 1]
        guard first & 0x70 == 0 else { throw Self.protocolError("reserved bits set without a negotiated extension") }
        guard let opcode = Opcode(rawValue: first & 0x0F) else {
            throw Self.protocolError("unknown opcode \(first & 0x0F)")
        }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        switch role {
        case .server where !masked: throw Self.protocolError("client frames must be masked")
        case .client where masked: throw Self.protocolError("server frames must not be masked")
        default: break
        }
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(buffer[readIndex + 2]) << 8 | UInt64(buffer[readIndex + 3])
            headerLength = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = 0
            for index in 2..<10 { length = length << 8 | UInt64(buffer[readIndex + index]) }
            guard length & (1 << 63) == 0 else { throw Self.protocolError("frame length has its most significant bit set") }
            headerLength = 10
        }
        if opcode.isControl {
            guard fin else { throw Self.protocolError("control frames must not be fragmented") }
            guard length <= 125 else { throw Self.protocolError("control frame payload over 125 bytes") }
        } else if opcode == .continuation {
            guard fragmentOpcode != nil else { throw Self.protocolError("continuation frame without a message in progress") }
        } else if fragmentOpcode != nil {
            throw Self.protocolError("new message started before the previous one finished")
        }
        if !opcode.isControl {
            let soFar = opcode == .continuation ? fragments.count : 0
            guard length <= UInt64(max(0, maxMessageBytes - soFar)) else {
                throw WebSocketProtocolError(closeCode: CloseCode.messageTooBig,
                                             reason: "message exceeds the \(maxMessageBytes)-byte limit")
            }
        }
        let maskKey: Masking.Key?
        if masked {
            guard available >= headerLength + 4 else { return nil }
            let at = readIndex + headerLength
            maskKey = (buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3])
            headerLength += 4
        } else {
            maskKey = nil
        }
        let payloadLength = Int(length)
        guard available - headerLength >= payloadLength else { return nil }
        let start = readIndex + headerLength
        var payload = Array(buffer[start..<(start + payloadLength)])
        if let maskKey { payload.withUnsafeMutableBytes { Masking.apply(maskKey, to: $0) } }
        readIndex = start + payloadLength
        return Frame(fin: fin, opcode: opcode, payload: payload)
    }

    private mutating func assemble(_ frame: Frame) throws(WebSocketProtocolError) -> WebSocketMessage? {
        switch frame.opcode {
        case .ping: return .ping(frame.payload)
        case .pong: return .pong(frame.payload)
        case .close: return try Self.closeMessage(frame.payload)
        case .text, .binary:
            if frame.fin { return try Self.message(frame.opcode, frame.payload) }
            fragmentOpcode = frame.opcode
            fragments = frame.payload
            return nil
        case .continuation:
            fragments.append(contentsOf: frame.payload)
            guard frame.fin, let opcode = fragmentOpcode else { return nil }
            let payload = fragments
            fragments = []
            fragmentOpcode = nil
            return try Self.message(opcode, payload)
        }
    }

    private static func message(_ opcode: Opcode, _ payload: [UInt8]) throws(WebSocketProtocolError) -> WebSocketMessage {
        guard opcode == .text else { return .binary(payload) }
        guard UTF8Validation.isValid(payload) else {
            throw WebSocketProtocolError(closeCode: CloseCode.invalidPayload, reason: "text message is not valid UTF-8")
        }
        return .text(payload)
    }

    private static func closeMessage(_ payload: [UInt8]) throws(WebSocketProtocolError) -> WebSocketMessage {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw protocolError("close payload of one byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard CloseCode.isSendable(code) else { throw protocolError("invalid close code \(code)") }
        let reason = Array(payload[2...])
        guard UTF8Validation.isValid(reason) else {
            throw WebSocketProtocolError(closeCode: CloseCode.invalidPayload, reason: "close reason is not valid UTF-8")
        }
        return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
    }

    private static func protocolError(_ reason: String) -> WebSocketProtocolError {
        WebSocketProtocolError(closeCode: CloseCode.protocolError, reason: reason)
    }
}
