import CarJSON
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders JSON values as the reference runtime spells them, because its findings quote values
/// (`'n' is Number(5), need Number(4)`) and its `contains` operator and loop detection compare
/// values by their text. Two spellings exist: `debug` is the Rust `Debug` form used in messages,
/// `compact` the serialised form (sorted keys, no spaces) used for comparisons.
public enum ReferenceText {
    public static func debug(_ value: JSONValue) -> String {
        var out = ""
        writeDebug(value, into: &out)
        return out
    }

    public static func compact(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        writeCompact(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func compactBytes(_ value: JSONValue, into out: inout [UInt8]) {
        writeCompact(value, into: &out)
    }

    /// The reference's number spelling: plain decimal for magnitudes in [1e-5, 1e16), with a
    /// trailing `.0` when integral, otherwise `d.ddde±x` without exponent padding. Swift's own
    /// `description` already yields the shortest round-tripping digits; only the layout differs.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        let magnitude = value.magnitude
        var digits: [UInt8] = []
        var point = 0  // the value is 0.d1d2d3… × 10^point
        var exponent = 0
        var sawPoint = false
        var inExponent = false
        var exponentNegative = false
        for byte in magnitude.description.utf8 {
            switch byte {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-") where inExponent: exponentNegative = true
            case UInt8(ascii: "+"): break
            case UInt8(ascii: "."): sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                } else {
                    digits.append(byte)
                    if !sawPoint { point += 1 }
                }
            default: break
            }
        }
        point += exponentNegative ? -exponent : exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }

        var out: [UInt8] = value.sign == .minus ? [UInt8(ascii: "-")] : []
        if magnitude >= 1e-5 && magnitude < 1e16 {
            if point <= 0 {
                out.append(contentsOf: "0.".utf8)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
                out.append(contentsOf: digits)
            } else if point >= digits.count {
                out.append(contentsOf: digits)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: point - digits.count))
                out.append(contentsOf: ".0".utf8)
            } else {
                out.append(contentsOf: digits[..<point])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[point...])
            }
        } else {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let scientific = point - 1
            out.append(contentsOf: (scientific < 0 ? "e-" : "e+").utf8)
            out.append(contentsOf: String(scientific.magnitude).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Keys in byte order, as the reference's sorted maps keep them.
    public static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted(by: precedesInByteOrder)
    }

    /// UTF-8 byte order (Rust's `str` order), not Swift's canonical-equivalence order.
    public static func precedesInByteOrder(_ left: String, _ right: String) -> Bool {
        let fast = left.utf8.withContiguousStorageIfAvailable { a in
            right.utf8.withContiguousStorageIfAvailable { b in precedes(a, b) }
        }
        return (fast ?? nil) ?? left.utf8.lexicographicallyPrecedes(right.utf8)
    }

    public static func precedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let shared = min(a.count, b.count)
        if shared > 0, let pa = a.baseAddress, let pb = b.baseAddress {
            let order = memcmp(pa, pb, shared)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    /// Byte-wise substring test, as Rust's `str::contains` does (no Unicode equivalence).
    public static func bytes(_ haystack: String, contain needle: String) -> Bool {
        var haystack = haystack
        var needle = needle
        return haystack.withUTF8 { hay in
            needle.withUTF8 { pin in
                if pin.isEmpty { return true }
                if pin.count > hay.count { return false }
                let first = pin[0]
                for start in 0...(hay.count - pin.count) where hay[start] == first {
                    var offset = 1
                    while offset < pin.count && hay[start + offset] == pin[offset] { offset += 1 }
                    if offset == pin.count { return true }
                }
                return false
            }
        }
    }

    // MARK: - Debug form

    private static func writeDebug(_ value: JSONValue, into out: inout String) {
        switch value {
        case .null: out += "Null"
        case .bool(let flag): out += flag ? "Bool(true)" : "Bool(false)"
        case .int(let number): out += "Number(\(number))"
        case .double(let number): out += "Number(\(self.number(number)))"
        case .string(let text):
            out += "String("
            writeDebugString(text, into: &out)
            out += ")"
        case .array(let elements):
            out += "Array ["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out += ", " }
                writeDebug(element, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "Object {"
            for (offset, key) in sortedKeys(members).enumerated() {
                if offset > 0 { out += ", " }
                writeDebugString(key, into: &out)
                out += ": "
                writeDebug(members[key]!, into: &out)
            }
            out += "}"
        }
    }

    private static func writeDebugString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0": out += "\\0"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                }
            }
        }
        out += "\""
    }

    /// An approximation of Rust's `char::is_printable`: controls, format characters, line and
    /// paragraph separators, private-use and unassigned scalars are escaped, and so is every
    /// grapheme extender (a combining accent), as Rust's `str` Debug escapes them wherever they sit.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.properties.isGraphemeExtend { return false }
        return switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned: false
        default: true
        }
    }

    // MARK: - Compact form

    private static func writeCompact(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .double(let number): out.append(contentsOf: self.number(number).utf8)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (offset, element) in elements.enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                writeCompact(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (offset, key) in sortedKeys(members).enumerated() {
                if offset > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.write(.string(key), into: &out)
                out.append(UInt8(ascii: ":"))
                writeCompact(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            // Strings, integers, booleans and null are spelled the same by both writers.
            JSONWriter.write(value, into: &out)
        }
    }
}
