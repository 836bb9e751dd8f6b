/// Finds `$<id>.output` occurrences of a proposal's action ids in a string in time linear in
/// the string (plus the ids, once per proposal).
///
/// Why an automaton: ids may hold any characters, `.output` included, so "which id follows this
/// `$`" cannot be answered by reading up to the next delimiter. Trying every `.output` after
/// every `$` was quadratic: a 120 KB string of `$ww.output` stalled the event loop for 14 s.
///
/// How: the patterns `$<id>.output` are put reversed into an Aho–Corasick automaton and the
/// string is read once from its end, so each match is reported at the `$` it starts at. The
/// patterns matching at one `$` are prefixes of each other; the longest is the automaton's
/// first output. It also needs a boundary after `.output` (`$a1.outputs` is no reference):
/// when the string's next byte fails that, the next candidate is a shorter pattern that is a
/// prefix of the longest, whose following byte is known from the pattern itself, so the
/// longest shorter pattern with a boundary is computed once per pattern (`fallback`).
///
/// Ids are compared as UTF-8 bytes, as the reference compares them (Swift `String` equality
/// would also match canonically equivalent spellings).
final class ReferenceMatcher: Sendable {
    /// Pattern index → action id, and the byte length of `$<id>.output`.
    private let ids: [String]
    private let patternLengths: [Int]
    /// Trie edges keyed `node << 8 | byte`; node 0 is the root.
    private let edges: [Int: Int32]
    private let failure: [Int32]
    /// The longest pattern that is a suffix of the node's (reversed) text, or -1.
    private let longestOutput: [Int32]
    /// For each pattern, the longest shorter pattern that is a prefix of it and is followed in
    /// it by a boundary byte, or -1.
    private let fallback: [Int32]

    static let outputSuffix = Array(".output".utf8)

    init(actionIDs: some Sequence<String>) {
        var ids: [String] = []
        var patterns: [[UInt8]] = []
        var seenPatterns = Set<[UInt8]>()
        for id in actionIDs where !id.isEmpty {
            let pattern = [UInt8(ascii: "$")] + Array(id.utf8) + Self.outputSuffix
            guard seenPatterns.insert(pattern).inserted else { continue }
            ids.append(id)
            patterns.append(pattern)
        }

        // The trie of reversed patterns, with first-child / next-sibling lists for the walk below.
        var edges: [Int: Int32] = [:]
        var terminal: [Int32] = [-1]
        var firstChild: [Int32] = [-1]
        var nextSibling: [Int32] = [-1]
        var label: [UInt8] = [0]
        var patternNodes: [Int32] = []
        for (index, pattern) in patterns.enumerated() {
            var node: Int32 = 0
            for byte in pattern.reversed() {
                let key = Int(node) << 8 | Int(byte)
                if let next = edges[key] {
                    node = next
                } else {
                    let next = Int32(terminal.count)
                    terminal.append(-1)
                    firstChild.append(-1)
                    label.append(byte)
                    nextSibling.append(firstChild[Int(node)])
                    firstChild[Int(node)] = next
                    edges[key] = next
                    node = next
                }
            }
            terminal[Int(node)] = Int32(index)
            patternNodes.append(node)
        }

        // Failure links and first outputs, breadth first (a failure target is always shallower).
        var failure = [Int32](repeating: 0, count: terminal.count)
        var longestOutput = [Int32](repeating: -1, count: terminal.count)
        var queue: [Int32] = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            var child = firstChild[Int(node)]
            while child >= 0 {
                if node != 0 {
                    var target = failure[Int(node)]
                    while target != 0, edges[Int(target) << 8 | Int(label[Int(child)])] == nil { target = failure[Int(target)] }
                    failure[Int(child)] = edges[Int(target) << 8 | Int(label[Int(child)])] ?? 0
                }
                let own = terminal[Int(child)]
                longestOutput[Int(child)] = own >= 0 ? own : longestOutput[Int(failure[Int(child)])]
                queue.append(child)
                child = nextSibling[Int(child)]
            }
        }

        // The shorter patterns a pattern contains as a prefix are its node's output chain. Each
        // is checked once per containing pattern; `.output` cannot overlap itself, so a pattern
        // of n bytes contains at most n/7 of them and the whole table costs O(total length).
        var fallback = [Int32](repeating: -1, count: patterns.count)
        for (index, pattern) in patterns.enumerated() {
            var candidate = longestOutput[Int(failure[Int(patternNodes[index])])]
            while candidate >= 0 {
                let length = patterns[Int(candidate)].count
                if !Self.isSegmentByte(pattern[length]) {
                    fallback[index] = candidate
                    break
                }
                candidate = longestOutput[Int(failure[Int(patternNodes[Int(candidate)])])]
            }
        }

        self.ids = ids
        self.patternLengths = patterns.map(\.count)
        self.edges = edges
        self.failure = failure
        self.longestOutput = longestOutput
        self.fallback = fallback
    }

    var isEmpty: Bool { ids.isEmpty }

    /// Every `$` that starts a reference, with its id (the longest that fits) and the byte just
    /// past `.output`, in increasing order of position. Overlapping starts are all reported;
    /// the caller keeps the leftmost and skips what it consumed.
    func matches(in bytes: [UInt8]) -> [(start: Int, id: String, afterSuffix: Int)] {
        guard !ids.isEmpty else { return [] }
        var found: [(start: Int, id: String, afterSuffix: Int)] = []
        var node: Int32 = 0
        var position = bytes.count
        while position > 0 {
            position -= 1
            let byte = bytes[position]
            while true {
                if let next = edges[Int(node) << 8 | Int(byte)] {
                    node = next
                    break
                }
                if node == 0 { break }
                node = failure[Int(node)]
            }
            guard byte == UInt8(ascii: "$") else { continue }
            var pattern = longestOutput[Int(node)]
            guard pattern >= 0 else { continue }
            let after = position + patternLengths[Int(pattern)]
            if after < bytes.count, Self.isSegmentByte(bytes[after]) { pattern = fallback[Int(pattern)] }
            guard pattern >= 0 else { continue }
            found.append((position, ids[Int(pattern)], position + patternLengths[Int(pattern)]))
        }
        found.reverse()
        return found
    }

    static func isSegmentByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
