/// Turns received bytes into messages (RFC 6455 §5): validates each frame header before its
/// payload is buffered, unmasks, reassembles fragments and checks text is UTF-8. Control
/// frames come out as soon as they arrive, even between the fragments of a message.
///
/// Bytes accumulate in one buffer read from `readIndex` on; consumed bytes are dropped only
/// when the buffer empties or the consumed prefix dominates, so feeding many small reads
/// costs amortised O(1) per byte, and a complete unfragmented frame costs one allocation
/// (its payload, unmasked while copied out).
public struct FrameDecoder: Sendable {
    public enum Role: Sendable {
        /// We are the server: the peer is a client and must mask every frame.
        case server
        /// We are the client: the peer is a server and must not mask.
        case client
    }

    private let role: Role
    /// Largest reassembled message; a connection lowers it until its client authenticates.
    public var maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// Opcode of a fragmented message in progress, nil between messages.
    private var fragmentOpcode: Opcode?
    private var fragments: [UInt8] = []

    /// A drained buffer keeps its storage up to this size, so steady traffic reuses it while
    /// one large message does not pin megabytes to an idle connection.
    private static let retainedCapacity = 64 << 10
    /// Consumed bytes are compacted away only past this many, and only once they are at
    /// least half the buffer: each byte is then moved O(1) times on average.
    private static let compactionThreshold = 64 << 10

    public init(role: Role, maxMessageBytes: Int = 16 << 20) {
        self.role = role
        self.maxMessageBytes = maxMessageBytes
    }

    /// Received bytes not yet turned into a message (a partial frame, usually).
    public var bufferedBytes: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if readIndex >= Self.compactionThreshold && readIndex * 2 >= buffer.count {
            buffer.removeSubrange(..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message, or nil when more bytes are needed. After an error the
    /// decoder is unusable: the connection must close with the error's code.
    public mutating func nextMessage() throws(WebSocketProtocolError) -> WebSocketMessage? {
        while let frame = try nextFrame() {
            if let message = try assemble(frame) { return message }
        }
        return nil
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
        guard first & 0x70 == 0 else { throw .protocolError("reserved bits set without a negotiated extension") }
        guard let opcode = Opcode(rawValue: first & 0x0F) else { throw .protocolError("unknown opcode \(first & 0x0F)") }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        switch role {
        case .server where !masked: throw .protocolError("client frames must be masked")
        case .client where masked: throw .protocolError("server frames must not be masked")
        default: break
        }
        if opcode.isControl {
            guard fin else { throw .protocolError("control frames must not be fragmented") }
            // A control frame's 7-bit length is the only legal form, so this needs no more bytes.
            guard second & 0x7F <= 125 else { throw .protocolError("control frame payload over 125 bytes") }
        } else if opcode == .continuation {
            guard fragmentOpcode != nil else { throw .protocolError("continuation frame without a message in progress") }
        } else if fragmentOpcode != nil {
            throw .protocolError("new message started before the previous one finished")
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
            for offset in 2..<10 { length = length << 8 | UInt64(buffer[readIndex + offset]) }
            guard length >> 63 == 0 else { throw .protocolError("frame length has its most significant bit set") }
            headerLength = 10
        }
        // Checked from the header alone, so a peer claiming a huge length is refused before
        // we buffer (or wait for) any of it.
        if !opcode.isControl {
            let soFar = opcode == .continuation ? fragments.count : 0
            guard length <= UInt64(max(0, maxMessageBytes - soFar)) else {
                throw WebSocketProtocolError(closeCode: CloseCode.messageTooBig,
                                             reason: "message exceeds the \(maxMessageBytes)-byte limit")
            }
        }
        var maskKey: Masking.Key?
        if masked {
            guard available >= headerLength + 4 else { return nil }
            let at = readIndex + headerLength
            maskKey = (buffer[at], buffer[at + 1], buffer[at + 2], buffer[at + 3])
            headerLength += 4
        }
        let payloadLength = Int(length)
        guard available - headerLength >= payloadLength else { return nil }

        let start = readIndex + headerLength
        let payload = buffer.withUnsafeBytes { all in
            let source = UnsafeRawBufferPointer(rebasing: all[start..<(start + payloadLength)])
            guard let maskKey else { return [UInt8](source) }
            return Masking.copy(source, unmaskedWith: maskKey)
        }
        consume(upTo: start + payloadLength)
        return Frame(fin: fin, opcode: opcode, payload: payload)
    }

    private mutating func consume(upTo index: Int) {
        readIndex = index
        guard readIndex == buffer.count else { return }
        // Drained: start over at the front, without moving a byte.
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedCapacity)
        readIndex = 0
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
        // Validated whole, after reassembly: a character may straddle two fragments.
        guard UTF8Validation.isValid(payload) else {
            throw WebSocketProtocolError(closeCode: CloseCode.invalidPayload, reason: "text message is not valid UTF-8")
        }
        return .text(payload)
    }

    private static func closeMessage(_ payload: [UInt8]) throws(WebSocketProtocolError) -> WebSocketMessage {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw .protocolError("close payload of one byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard CloseCode.isAllowedOnTheWire(code) else { throw .protocolError("invalid close code \(code)") }
        let reason = payload[2...]
        guard reason.withUnsafeBytes({ UTF8Validation.isValid($0) }) else {
            throw WebSocketProtocolError(closeCode: CloseCode.invalidPayload, reason: "close reason is not valid UTF-8")
        }
        return .close(code: code, reason: String(decoding: reason, as: UTF8.self))
    }
}
