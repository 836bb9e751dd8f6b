/// Cutting text to a byte budget without splitting a character: a cut inside a UTF-8
/// sequence would leave bytes that decode to U+FFFD (or to nothing).
public enum UTF8Cut {
    /// The longest prefix of `bytes`, at most `limit` long, that does not end inside a UTF-8
    /// sequence.
    public static func prefix(_ bytes: ArraySlice<UInt8>, limit: Int) -> ArraySlice<UInt8> {
        guard bytes.count > limit else { return bytes }
        var end = bytes.startIndex + max(0, limit)
        // Back off over continuation bytes to the start of the cut character (at most 3).
        var steps = 0
        while end > bytes.startIndex, bytes[end] & 0xC0 == 0x80, steps < 3 {
            end -= 1
            steps += 1
        }
        return bytes[bytes.startIndex..<end]
    }

    /// `text` cut to at most `limit` UTF-8 bytes between characters (a cut inside a
    /// grapheme would leave, say, an emoji without its modifier).
    public static func prefix(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var end = text.startIndex
        var used = 0
        for index in text.indices {
            let size = text[index].utf8.count
            if used + size > limit { break }
            used += size
            end = text.index(after: index)
        }
        return String(text[..<end])
    }
}
