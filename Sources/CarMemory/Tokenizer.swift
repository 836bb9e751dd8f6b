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
        // Nearly all fact text is ASCII: then tokens are cut from the UTF-8 bytes directly and
        // each becomes a String once, after folding (this is most of the cost of an add and of
        // a snapshot load).
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var token: [UInt8] = []
            token.reserveCapacity(maxTermLength)
            func flushBytes() {
                guard !token.isEmpty else { return }
                let word = normalize(bytes: token)
                token.removeAll(keepingCapacity: true)
                if !word.isEmpty, !stopWords.contains(word) { body(word) }
            }
            for byte in text.utf8 {
                if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                    if token.count < maxTermLength { token.append(byte) }
                } else if byte >= 0x41 && byte <= 0x5A {
                    if token.count < maxTermLength { token.append(byte + 0x20) }
                } else {
                    flushBytes()
                }
            }
            flushBytes()
            return
        }
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

    /// A light suffix fold so inflections of one word meet on one node ("stores", "stored",
    /// "storing" → "stor"; "formats", "formatting" → "format"). Deliberately small: plural
    /// `s`/`ies`, `ed`, `ing`, then a trailing `e`, with short words left alone ("gas",
    /// "red", "ring"). Both facts and queries go through it, so only consistency matters,
    /// not producing real words.
    static func normalize(_ word: String) -> String {
        let bytes = Array(word.utf8)
        guard bytes.count > 3, bytes.allSatisfy({ $0 < 0x80 }) else { return word }
        return normalize(bytes: bytes)
    }

    /// The fold on an ASCII word's bytes.
    static func normalize(bytes word: [UInt8]) -> String {
        var w = word
        guard w.count > 3 else { return String(decoding: w, as: UTF8.self) }
        func ends(_ suffix: String) -> Bool { w.count > suffix.utf8.count && w.suffix(suffix.utf8.count).elementsEqual(suffix.utf8) }
        func isVowel(_ c: UInt8) -> Bool { "aeiouy".utf8.contains(c) }
        if ends("ies"), w.count > 4 {
            w.removeLast(3); w.append(UInt8(ascii: "y"))
        } else if ends("s"), !ends("ss"), !ends("us"), !ends("is") {
            w.removeLast()
        }
        var strippedVerbEnding = false
        if ends("ing"), w.count > 5, w.dropLast(3).contains(where: isVowel) {
            w.removeLast(3); strippedVerbEnding = true
        } else if ends("ed"), w.count > 4, w.dropLast(2).contains(where: isVowel) {
            w.removeLast(2); strippedVerbEnding = true
            if w.last == UInt8(ascii: "i") { w[w.count - 1] = UInt8(ascii: "y") }
        }
        // "formatt" → "format", "plann" → "plan"; not "ll"/"ss"/"zz" ("install", "pass").
        if strippedVerbEnding, w.count > 3, let last = w.last, w[w.count - 2] == last,
           !isVowel(last), !"lsz".utf8.contains(last) {
            w.removeLast()
        }
        if w.count > 3, w.last == UInt8(ascii: "e") { w.removeLast() }
        return String(decoding: w, as: UTF8.self)
    }
}
