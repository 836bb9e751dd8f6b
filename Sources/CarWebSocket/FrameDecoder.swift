/// Turns received bytes into messages (RFC 6455 §5): validates each frame header before its
/// payload is buffered, unmasks, reassembles fragments and checks text is UTF-8. Control
/// frames come out as soon as they arrive, even between the fragments of a message.
///
/// A data frame's payload is unmasked into the message and UTF-8-checked as its bytes
/// arrive, so the work per call is bounded by what was appended since the last one, never
/// by the size of the message: a 16 MiB frame does not stall the loop turn that completes
/// it. Headers and control frames wait in one buffer read from `readIndex` on; it stays
/// about one read long, because every call drains it into the message in progress.
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
    /// Opcode of the data message in progress, nil between messages.
    private var fragmentOpcode: Opcode?

    /// A drained buffer keeps its storage up to this size, so steady traffic reuses it while
    /// one large message does not pin megabytes to an idle connection.
    private static let retainedCapacity = 64 << 10
    /// Consumed bytes are compacted away only past this many, and only once they are at
    /// least half the buffer: each byte is then moved O(1) times on average.
    private static let compactionThreshold = 64 << 10
    /// The most a frame header makes us set aside before its payload arrives.
    private static let reservationLimit = 1 << 20

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
        while let step = try nextFrame() {
            if let message = step { return message }
        }
        return nil
    }

    /// A data frame whose payload is still arriving: its bytes are unmasked into `message` as
    /// they come, so a large frame costs each loop turn only the bytes that turn read.
    private struct PayloadInProgress {
        var fin: Bool
        var maskKey: Masking.Key?
        /// Payload bytes already taken, which is where the mask key's cycle continues.
        var taken: Int
        var remaining: Int
    }

    private var payload: PayloadInProgress?
    /// The data message under assembly (every fragment so far), already unmasked.
    private var message: [UInt8] = []
    private var utf8 = UTF8Validation.Stream()

    /// One step: a control message, a finished data message, or nil when more bytes are
    /// needed (or a frame ended that did not finish its message).
    private mutating func nextFrame() throws(WebSocketProtocolError) -> WebSocketMessage?? {
        if payload != nil { return try continuePayload() }
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
            guard length <= UInt64(max(0, maxMessageBytes - message.count)) else {
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

        if opcode.isControl {
            guard available - headerLength >= payloadLength else { return nil }
            let start = readIndex + headerLength
            let body = buffer.withUnsafeBytes { all in
                let source = UnsafeRawBufferPointer(rebasing: all[start..<(start + payloadLength)])
                guard let maskKey else { return [UInt8](source) }
                return Masking.copy(source, unmaskedWith: maskKey)
            }
            consume(upTo: start + payloadLength)
            switch opcode {
            case .ping: return .some(.ping(body))
            case .pong: return .some(.pong(body))
            default: return .some(try Self.closeMessage(body))
            }
        }
        consume(upTo: readIndex + headerLength)
        if opcode != .continuation {
            fragmentOpcode = opcode
            utf8 = UTF8Validation.Stream()
        }
        // Room for the payload, but at most `reservationLimit` on a header's word alone (the
        // rest grows as bytes come), and doubling, so a message in a thousand fragments is not
        // copied a thousand times.
        let wanted = message.count + min(payloadLength, Self.reservationLimit)
        if message.capacity < wanted { message.reserveCapacity(max(wanted, message.capacity * 2)) }
        payload = PayloadInProgress(fin: fin, maskKey: maskKey, taken: 0, remaining: payloadLength)
        return try continuePayload()
    }

    private mutating func continuePayload() throws(WebSocketProtocolError) -> WebSocketMessage?? {
        guard var current = payload else { return nil }
        let count = min(current.remaining, buffer.count - readIndex)
        if count > 0 {
            let start = readIndex
            let before = message.count
            buffer.withUnsafeBytes { all in
                let source = UnsafeRawBufferPointer(rebasing: all[start..<(start + count)])
                if let key = current.maskKey {
                    Masking.append(source, unmaskedWith: key, startingAt: current.taken, to: &message)
                } else {
                    message.append(contentsOf: source)
                }
            }
            consume(upTo: start + count)
            current.taken += count
            current.remaining -= count
            if fragmentOpcode == .text {
                let valid = message.withUnsafeBytes { utf8.feed(UnsafeRawBufferPointer(rebasing: $0[before...])) }
                guard valid else { throw Self.invalidText }
            }
        }
        guard current.remaining == 0 else {
            payload = current
            return nil
        }
        payload = nil
        guard current.fin, let opcode = fragmentOpcode else { return .some(nil) }
        fragmentOpcode = nil
        var finished: [UInt8] = []
        swap(&finished, &message)
        guard opcode == .text else { return .some(.binary(finished)) }
        guard utf8.isComplete else { throw Self.invalidText }
        return .some(.text(finished))
    }

    private static let invalidText = WebSocketProtocolError(closeCode: CloseCode.invalidPayload, reason: "text message is not valid UTF-8")

    private mutating func consume(upTo index: Int) {
        readIndex = index
        guard readIndex == buffer.count else { return }
        // Drained: start over at the front, without moving a byte.
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedCapacity)
        readIndex = 0
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
