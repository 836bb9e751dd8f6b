/// Writes frames (RFC 6455 §5.2) straight into an output buffer: the header, then the
/// payload, masked when a key is given (clients must mask, servers must not).
public enum FrameEncoder {
    public static func append(opcode: Opcode, payload: [UInt8], fin: Bool = true,
                              maskKey: (UInt8, UInt8, UInt8, UInt8)? = nil, into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { append(opcode: opcode, payload: $0, fin: fin, maskKey: maskKey, into: &buffer) }
    }

    public static func append(opcode: Opcode, payload: UnsafeRawBufferPointer, fin: Bool = true,
                              maskKey: (UInt8, UInt8, UInt8, UInt8)? = nil, into buffer: inout [UInt8]) {
        let length = payload.count
        buffer.reserveCapacity(buffer.count + length + 14)
        buffer.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        if length <= 125 {
            buffer.append(maskBit | UInt8(length))
        } else if length <= 0xFFFF {
            buffer.append(maskBit | 126)
            buffer.append(UInt8(length >> 8))
            buffer.append(UInt8(length & 0xFF))
        } else {
            buffer.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: UInt64(length) >> UInt64(shift))) }
        }
        guard let maskKey else {
            buffer.append(contentsOf: payload)
            return
        }
        buffer.append(contentsOf: [maskKey.0, maskKey.1, maskKey.2, maskKey.3])
        let start = buffer.count
        buffer.append(contentsOf: payload)
        buffer.withUnsafeMutableBytes { bytes in
            Masking.apply(maskKey, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// A close frame's payload: the code, then a reason cut to fit the 125-byte control
    /// payload limit at a character boundary.
    public static func closePayload(code: UInt16, reason: String) -> [UInt8] {
        var payload: [UInt8] = [UInt8(code >> 8), UInt8(code & 0xFF)]
        var used = 0
        for scalar in reason.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if used + encoded.count > 123 { break }
            payload.append(contentsOf: encoded)
            used += encoded.count
        }
        return payload
    }
}

/// XOR with the 4-byte masking key (RFC 6455 §5.3), eight bytes at a time.
enum Masking {
    typealias Key = (UInt8, UInt8, UInt8, UInt8)

    static func apply(_ key: Key, to bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // The key repeated twice, as a little-endian number: byte i of it masks byte i.
        let k = UInt64(key.0) | UInt64(key.1) << 8 | UInt64(key.2) << 16 | UInt64(key.3) << 24
        let littleEndian = k | k << 32
        let wide = UInt64(littleEndian: littleEndian)
        var index = 0
        while index + 8 <= bytes.count {
            let value = base.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ wide
            base.storeBytes(of: value, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < bytes.count {
            let keyByte = UInt8(truncatingIfNeeded: littleEndian >> UInt64(8 * (index & 7)))
            base.storeBytes(of: base.load(fromByteOffset: index, as: UInt8.self) ^ keyByte, toByteOffset: index, as: UInt8.self)
            index += 1
        }
    }
}
