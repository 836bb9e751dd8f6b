/// Serialises `JSONValue` as compact UTF-8 JSON. Object keys are sorted so the same value
/// always produces the same bytes (journals, examples and tests compare them).
public enum JSONWriter {
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        write(value, into: &buffer)
        return buffer
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into buffer: inout [UInt8]) {
        switch value {
        case .null: buffer.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(let flag): buffer.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .int(let number): writeInteger(number, into: &buffer)
        case .double(let number): writeDouble(number, into: &buffer)
        case .string(let text): writeString(text, into: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { buffer.append(UInt8(ascii: ",")) }
                write(element, into: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let members):
            buffer.append(UInt8(ascii: "{"))
            var first = true
            // Sorting the pairs (not the keys, then looking each up) hashes no key twice.
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &buffer)
                buffer.append(UInt8(ascii: ":"))
                write(member, into: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Two-space indented, for humans (`car-server spec`).
    public static func prettyString(_ value: JSONValue) -> String {
        var buffer: [UInt8] = []
        writePretty(value, indent: 0, into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    private static func writePretty(_ value: JSONValue, indent: Int, into buffer: inout [UInt8]) {
        let inner = [UInt8](repeating: 0x20, count: (indent + 1) * 2)
        let outer = [UInt8](repeating: 0x20, count: indent * 2)
        switch value {
        case .array(let elements) where !elements.isEmpty:
            buffer.append(contentsOf: Array("[\n".utf8))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { buffer.append(contentsOf: Array(",\n".utf8)) }
                buffer.append(contentsOf: inner)
                writePretty(element, indent: indent + 1, into: &buffer)
            }
            buffer.append(0x0A)
            buffer.append(contentsOf: outer)
            buffer.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            buffer.append(contentsOf: Array("{\n".utf8))
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { buffer.append(contentsOf: Array(",\n".utf8)) }
                buffer.append(contentsOf: inner)
                writeString(key, into: &buffer)
                buffer.append(contentsOf: Array(": ".utf8))
                writePretty(members[key]!, indent: indent + 1, into: &buffer)
            }
            buffer.append(0x0A)
            buffer.append(contentsOf: outer)
            buffer.append(UInt8(ascii: "}"))
        default:
            write(value, into: &buffer)
        }
    }

    private static func writeInteger(_ number: Int64, into buffer: inout [UInt8]) {
        if number >= 0 && number < 10 {
            buffer.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        var magnitude = number.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if number < 0 { buffer.append(UInt8(ascii: "-")) }
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[(20 - count)...]))
        }
    }

    private static func writeDouble(_ number: Double, into buffer: inout [UInt8]) {
        // JSON has no NaN or infinity; null is what JavaScript and Python's json emit instead.
        guard number.isFinite else {
            buffer.append(contentsOf: "null".utf8)
            return
        }
        // Swift's description is the shortest text that round-trips, e.g. "0.1", "1.0", "1e-07".
        buffer.append(contentsOf: number.description.utf8)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ text: String, into buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            guard let base = utf8.baseAddress else { return }
            var runStart = 0
            while true {
                let runEnd = StringScan.plainRun(base, from: runStart, to: utf8.count).end
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<runEnd]))
                guard runEnd < utf8.count else { break }
                let byte = utf8[runEnd]
                runStart = runEnd + 1
                switch byte {
                case UInt8(ascii: "\""): buffer.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): buffer.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: buffer.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: buffer.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: buffer.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                case 0x08: buffer.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: buffer.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                default:
                    buffer.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]])
                }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// The length of `bytes(value)`, without building it: what stores count a value as.
    public static func encodedCount(_ value: JSONValue) -> Int {
        switch value {
        case .null: 4
        case .bool(let flag): flag ? 4 : 5
        case .int, .double:
            // Numbers are short; writing one into a scratch buffer is the exact answer.
            bytes(value).count
        case .string(let text): stringCount(text)
        case .array(let elements): elements.reduce(elements.isEmpty ? 2 : elements.count + 1) { $0 + encodedCount($1) }
        case .object(let members):
            members.reduce(members.isEmpty ? 2 : members.count * 2 + 1) { $0 + stringCount($1.key) + encodedCount($1.value) }
        }
    }

    /// Whether `bytes(value)` is surely longer than `limit`, told in time that grows with
    /// `limit`, not with the value: strings count as their UTF-8 (escapes only add), and the
    /// walk stops once past the limit. For choosing where to handle a value, not for bounds.
    public static func surelyExceeds(_ value: JSONValue, _ limit: Int) -> Bool {
        var total = 0
        var pending = [value]
        while let next = pending.popLast() {
            switch next {
            case .null, .bool, .int, .double: total += 4
            case .string(let text): total += text.utf8.count + 2
            case .array(let elements):
                total += elements.count + 1
                if total > limit { return true }
                pending.append(contentsOf: elements)
            case .object(let members):
                for (key, member) in members {
                    total += key.utf8.count + 4
                    pending.append(member)
                    if total > limit { return true }
                }
            }
            if total > limit { return true }
        }
        return false
    }

    /// Quotes plus bytes, plus the extra bytes of each escape `writeString` would write.
    private static func stringCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { utf8 in
            var total = utf8.count + 2
            guard let base = utf8.baseAddress else { return total }
            var index = 0
            while true {
                index = StringScan.plainRun(base, from: index, to: utf8.count).end
                guard index < utf8.count else { return total }
                switch utf8[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09, 0x08, 0x0C: total += 1
                default: total += 5
                }
                index += 1
            }
        }
    }
}
