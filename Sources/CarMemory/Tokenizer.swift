/// Turns subject and body text into the terms that link facts in the graph.
///
/// Terms are lowercased runs of letters and digits; everything else (spaces, punctuation,
/// `_`, `-`, `.`) separates them, so `project_language` links to a query about the
/// project's language. A light plural fold keeps "tests" and "test" on one node without
/// pulling in a real stemmer.
enum Tokenizer {
    /// Words that would link nearly every fact to every other and so carry no signal.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "do", "does",
        "for", "from", "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its",
        "me", "my", "no", "not", "of", "on", "or", "our", "should", "so", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "those", "to", "us", "use", "used",
        "uses", "using", "was", "we", "were", "what", "when", "where", "which", "who", "why",
        "will", "with", "you", "your",
    ]

    /// Terms longer than this are cut: a pasted blob should not mint megabyte-long keys.
    static let maxTermLength = 64

    /// Distinct terms in first-seen order (order keeps everything downstream deterministic).
    static func terms(_ texts: String...) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for text in texts {
            forEachToken(in: text) { token in
                if seen.insert(token).inserted { out.append(token) }
            }
        }
        return out
    }

    static func forEachToken(in text: String, _ body: (String) -> Void) {
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            let word = normalize(String(current))
            current = String.UnicodeScalarView()
            if !word.isEmpty, !stopWords.contains(word) { body(word) }
        }
        for scalar in text.unicodeScalars {
            // ASCII first: nearly all fact text is, and Unicode property lookups are slow.
            let v = scalar.value
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    if current.count < maxTermLength { current.append(scalar) }
                } else if v >= 0x41 && v <= 0x5A {
                    if current.count < maxTermLength { current.append(Unicode.Scalar(v + 0x20)!) }
                } else {
                    flush()
                }
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if current.count < maxTermLength {
                    current.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
                }
            } else {
                flush()
            }
        }
        flush()
    }

    /// Folds the common English plural; `ss`, `us` and `is` endings ("class", "status",
    /// "analysis") are singular already, and short words are left alone ("gas", "its").
    static func normalize(_ word: String) -> String {
        guard word.count > 3, word.hasSuffix("s") else { return word }
        if word.hasSuffix("ss") || word.hasSuffix("us") || word.hasSuffix("is") { return word }
        if word.hasSuffix("ies") && word.count > 4 { return String(word.dropLast(3)) + "y" }
        return String(word.dropLast())
    }
}
