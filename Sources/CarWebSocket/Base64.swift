/// Base64 (RFC 4648): the standard padded alphabet for the WebSocket handshake, and the
/// unpadded URL-safe alphabet (§5) for auth tokens that end up in URLs and shell variables.
public enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let padding = UInt8(ascii: "=")

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: standard, pad: true)
    }

    /// 32 bytes become 43 characters.
    public static func encodeURLNoPad(_ bytes: some Collection<UInt8>) -> String {
        encode(Array(bytes), alphabet: urlSafe, pad: false)
    }

    /// A fresh secret: `byteCount` bytes from the system's CSPRNG in the unpadded URL-safe
    /// alphabet (32 bytes: 43 characters). Auth tokens and pairing codes are minted here.
    public static func randomURLToken(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return encodeURLNoPad((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private static func encode(_ input: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= input.count {
            let group = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int(group >> 18)])
            out.append(alphabet[Int(group >> 12 & 63)])
            out.append(alphabet[Int(group >> 6 & 63)])
            out.append(alphabet[Int(group & 63)])
            index += 3
        }
        let remaining = input.count - index
        guard remaining > 0 else { return String(decoding: out, as: UTF8.self) }
        // One or two bytes left: they give two or three characters, padded to four.
        var group = UInt32(input[index]) << 16
        if remaining == 2 { group |= UInt32(input[index + 1]) << 8 }
        out.append(alphabet[Int(group >> 18)])
        out.append(alphabet[Int(group >> 12 & 63)])
        if remaining == 2 { out.append(alphabet[Int(group >> 6 & 63)]) }
        if pad {
            out.append(padding)
            if remaining == 1 { out.append(padding) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict decoding of the padded standard alphabet: nil on any other character (spaces
    /// and line breaks included), a length that is not a multiple of 4, padding anywhere but
    /// the end, or non-zero bits under the padding. Strictness matters because the handshake
    /// key must decode to exactly 16 bytes and there should be one spelling of it.
    public static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            var group: UInt32 = 0
            var padded = 0
            for offset in 0..<4 {
                let byte = input[index + offset]
                if byte == padding {
                    // "xx==" and "xxx=" only: padding in the last group, after two characters.
                    guard isLast, offset >= 2 else { return nil }
                    padded += 1
                    group <<= 6
                } else {
                    guard padded == 0, let value = sextet(byte) else { return nil }
                    group = group << 6 | value
                }
            }
            out.append(UInt8(group >> 16))
            if padded == 2 {
                guard group & 0xFFFF == 0 else { return nil }
            } else {
                out.append(UInt8(truncatingIfNeeded: group >> 8))
                if padded == 1 {
                    guard group & 0xFF == 0 else { return nil }
                } else {
                    out.append(UInt8(truncatingIfNeeded: group))
                }
            }
            index += 4
        }
        return out
    }

    private static func sextet(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
