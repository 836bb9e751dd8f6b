/// The XOR with a 4-byte key that RFC 6455 §5.3 applies to every client-to-server payload.
/// It is on the hot path of every request, so it works on eight bytes per step.
enum Masking {
    typealias Key = (UInt8, UInt8, UInt8, UInt8)

    /// Masks (or unmasks: XOR is its own inverse) `bytes` in place.
    static func apply(_ key: Key, to bytes: UnsafeMutableRawBufferPointer) {
        xor(UnsafeRawBufferPointer(bytes), with: key, into: bytes)
    }

    /// A new array holding `source` unmasked: one allocation and one pass over the bytes,
    /// instead of copying the payload out of the receive buffer and then unmasking it.
    static func copy(_ source: UnsafeRawBufferPointer, unmaskedWith key: Key) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: source.count) { destination, initialized in
            xor(source, with: key, into: UnsafeMutableRawBufferPointer(destination))
            initialized = source.count
        }
    }

    /// Appends `source` unmasked to `message`, where `source` begins `offset` bytes into its
    /// frame's payload: the key's cycle continues from there.
    static func append(_ source: UnsafeRawBufferPointer, unmaskedWith key: Key, startingAt offset: Int, to message: inout [UInt8]) {
        let rotated: Key = switch offset & 3 {
        case 0: key
        case 1: (key.1, key.2, key.3, key.0)
        case 2: (key.2, key.3, key.0, key.1)
        default: (key.3, key.0, key.1, key.2)
        }
        let start = message.count
        message.append(contentsOf: repeatElement(0, count: source.count))
        message.withUnsafeMutableBytes { all in
            xor(source, with: rotated, into: UnsafeMutableRawBufferPointer(rebasing: all[start...]))
        }
    }

    /// `destination[i] = source[i] ^ key[i % 4]`; the two may be the same memory.
    private static func xor(_ source: UnsafeRawBufferPointer, with key: Key, into destination: UnsafeMutableRawBufferPointer) {
        let count = source.count
        guard count > 0, let from = source.baseAddress, let to = destination.baseAddress else { return }
        // The key twice over as a number whose in-memory bytes are key.0, key.1, key.2,
        // key.3, key.0, ...: loading eight payload bytes and XOR-ing with it masks all eight.
        let pattern = UInt64(key.0) | UInt64(key.1) << 8 | UInt64(key.2) << 16 | UInt64(key.3) << 24
        let littleEndian = pattern | pattern << 32
        let wide = UInt64(littleEndian: littleEndian)
        var index = 0
        while index + 8 <= count {
            to.storeBytes(of: from.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ wide, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        // The tail starts at a multiple of 8, so its key bytes are the low bytes of the pattern.
        var rest = littleEndian
        while index < count {
            let byte = from.load(fromByteOffset: index, as: UInt8.self) ^ UInt8(truncatingIfNeeded: rest)
            to.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            rest >>= 8
            index += 1
        }
    }
}
