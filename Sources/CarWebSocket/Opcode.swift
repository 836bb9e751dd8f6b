/// Frame opcodes of RFC 6455 §5.2. The reserved ones (3-7, 11-15) have no case, so they
/// fail `init(rawValue:)` and the decoder refuses them with 1002.
public enum Opcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames are the ones with the high opcode bit; they may interleave with the
    /// fragments of a data message but may not themselves be fragmented.
    var isControl: Bool { rawValue & 0x8 != 0 }
}
