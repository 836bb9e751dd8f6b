import CarJSON
import Foundation

/// Ids and times the dispatcher makes.
public enum A2AIdentifier {
    /// A lowercase random (version 4) UUID: what the SDK's server makes for task, context and
    /// artifact ids. From the system generator (getrandom), not Foundation's UUID, which
    /// opens /dev/urandom for each one on Linux; formatted without Unicode case mapping.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let word = generator.next() as UInt64
            for index in 0..<8 { bytes[half * 8 + index] = UInt8(truncatingIfNeeded: word >> (index * 8)) }
        }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Now, in microseconds, cut to the millisecond the wire carries: a timestamp that goes
    /// out and comes back (a task log's replay) sorts the same as when it was made.
    public static func now() -> Int64 { RFC3339.nowMicros() / 1_000 * 1_000 }
}
