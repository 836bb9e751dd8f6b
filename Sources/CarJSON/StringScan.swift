/// Finds, eight bytes at a time, where a JSON string's plain run ends: the first byte that is
/// `"`, `\` or a control character. Both the parser (a string ends or escapes there) and the
/// writer (a byte must be escaped there) spend their time on long plain runs, so the one scan
/// serves both.
enum StringScan {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Nonzero when some byte of `word` is below 0x20, a quote or a backslash. (The classic
    /// "has zero byte" test; bits above the first hit may be spurious, so callers that get a
    /// nonzero answer look at the bytes one by one.)
    @inline(__always)
    private static func special(_ word: UInt64) -> UInt64 {
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let quoted = (quote &- ones) & ~quote
        let escaped = (backslash &- ones) & ~backslash
        return (control | quoted | escaped) & highs
    }

    @inline(__always)
    static func isSpecial(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C
    }

    /// The index in `from..<end` of the first special byte (or `end`), and whether any byte
    /// before it is at or above 0x80 (so the run is not plain ASCII).
    static func plainRun(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (end: Int, sawNonASCII: Bool) {
        var index = start
        var high: UInt64 = 0
        let raw = UnsafeRawPointer(base)
        while index + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            guard special(word) == 0 else { break }
            high |= word
            index += 8
        }
        var sawNonASCII = high & highs != 0
        while index < end {
            let byte = base[index]
            if isSpecial(byte) { break }
            if byte >= 0x80 { sawNonASCII = true }
            index += 1
        }
        return (index, sawNonASCII)
    }
}
