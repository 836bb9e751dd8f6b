/// Writes frames (RFC 6455 §5.2) straight into an output buffer: the header, then the
/// payload, masked when a key is given (clients must mask, servers must not). Appending into
/// the caller's buffer lets several replies leave in one write.
public enum FrameEncoder {
    public static func append(opcode: Opcode, payload: [UInt8], fin: Bool = true,
                              maskKey: (UInt8, UInt8, UInt8, UInt8)? = nil, into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { append(opcode: opcode, payload: $0, fin: fin, maskKey: maskKey, into: &buffer) }
    }

    public static func append(opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true,
                              maskKey: (UInt8, UInt8, UInt8, UInt8)? = nil, into buffer: inout [UInt8]) {
        let length = payload.count
        let needed = buffer.count + length + 14
        // reserveCapacity allocates exactly what it is asked for; growing by at least double
        // keeps a buffer that collects many frames from being copied once per frame.
        if buffer.capacity < needed { buffer.reserveCapacity(max(needed, buffer.capacity * 2)) }

        buffer.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        if length <= 125 {
            buffer.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            buffer.append(maskBit | 126)
            buffer.append(UInt8(length >> 8))
            buffer.append(UInt8(truncatingIfNeeded: length))
        } else {
            buffer.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                buffer.append(UInt8(truncatingIfNeeded: UInt64(length) >> UInt64(shift)))
            }
        }
        guard let maskKey else {
            buffer.append(contentsOf: payload)
            return
        }
        buffer.append(maskKey.0)
        buffer.append(maskKey.1)
        buffer.append(maskKey.2)
        buffer.append(maskKey.3)
        let start = buffer.count
        buffer.append(contentsOf: payload)
        buffer.withUnsafeMutableBytes { bytes in
            Masking.apply(maskKey, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// A close frame's payload: the code, then as much of the reason as fits the 125-byte
    /// control payload limit, cut between scalars so the peer's UTF-8 check still passes.
    public static func closePayload(code: UInt16, reason: String) -> [UInt8] {
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(truncatingIfNeeded: code)]
        payload.reserveCapacity(min(125, 2 + reason.utf8.count))
        for scalar in reason.unicodeScalars {
            guard payload.count + scalar.utf8.count <= 125 else { break }
            payload.append(contentsOf: scalar.utf8)
        }
        return payload
    }
}
