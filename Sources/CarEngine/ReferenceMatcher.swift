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
///
/// Memory: five flat arrays, 17 bytes per trie node (at most one node per id byte, plus
/// `.output`), with no hash table; the executor bounds the ids' total bytes
/// (`ExecutionLimits.maxActionIDBytes`).
final class ReferenceMatcher: Sendable {
    /// Pattern index → action id, and the byte length of `$<id>.output`.
    private let ids: [String]
    private let patternLengths: [Int]
    /// The trie of reversed patterns as first-child / next-sibling lists; node 0 is the root.
    private let firstChild: [Int32]
    private let nextSibling: [Int32]
    private let label: [UInt8]
    private let failure: [Int32]
    /// The longest pattern that is a suffix of the node's (reversed) text, or -1.
    private let longestOutput: [Int32]
    /// For each pattern, the longest shorter pattern that is a prefix of it and is followed in
    /// it by a boundary byte, or -1.
    private let fallback: [Int32]

    static let outputSuffix = Array(".output".utf8)

    init(actionIDs: some Sequence<String>) {
        var ids: [String] = []
        var reversed: [[UInt8]] = []
        var seen = Set<[UInt8]>()
        for id in actionIDs where !id.isEmpty {
            let pattern = [UInt8(ascii: "$")] + Array(id.utf8) + Self.outputSuffix
            guard seen.insert(pattern).inserted else { continue }
            ids.append(id)
            reversed.append(pattern.reversed())
        }
        seen = []

        // Inserted in sorted order, each pattern shares its longest common prefix with the one
        // before: the trie grows along one path and never needs a child lookup to build.
        let order = reversed.indices.sorted { reversed[$0].lexicographicallyPrecedes(reversed[$1]) }
        var firstChild: [Int32] = [-1]
        var nextSibling: [Int32] = [-1]
        var label: [UInt8] = [0]
        var terminal: [Int32] = [-1]
        var patternNodes = [Int32](repeating: 0, count: reversed.count)
        var path: [Int32] = [0]
        var previous: [UInt8] = []
        for index in order {
            let pattern = reversed[index]
            var common = 0
            while common < previous.count, common < pattern.count, previous[common] == pattern[common] { common += 1 }
            path.removeLast(path.count - common - 1)
            for depth in common..<pattern.count {
                let parent = path[depth]
                let node = Int32(label.count)
                label.append(pattern[depth])
                firstChild.append(-1)
                terminal.append(-1)
                nextSibling.append(firstChild[Int(parent)])
                firstChild[Int(parent)] = node
                path.append(node)
            }
            terminal[Int(path[pattern.count])] = Int32(index)
            patternNodes[index] = path[pattern.count]
            previous = pattern
        }

        func child(_ node: Int32, _ byte: UInt8) -> Int32? {
            var child = firstChild[Int(node)]
            while child >= 0 {
                if label[Int(child)] == byte { return child }
                child = nextSibling[Int(child)]
            }
            return nil
        }

        // Failure links and first outputs, breadth first (a failure target is always shallower).
        var failure = [Int32](repeating: 0, count: label.count)
        var longestOutput = [Int32](repeating: -1, count: label.count)
        var queue: [Int32] = [0]
        queue.reserveCapacity(label.count)
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            var next = firstChild[Int(node)]
            while next >= 0 {
                if node != 0 {
                    var target = failure[Int(node)]
                    while target != 0, child(target, label[Int(next)]) == nil { target = failure[Int(target)] }
                    failure[Int(next)] = child(target, label[Int(next)]) ?? 0
                }
                let own = terminal[Int(next)]
                longestOutput[Int(next)] = own >= 0 ? own : longestOutput[Int(failure[Int(next)])]
                queue.append(next)
                next = nextSibling[Int(next)]
            }
        }

        // The shorter patterns a pattern contains as a prefix are its node's output chain. Each
        // is checked once per containing pattern; `.output` cannot overlap itself, so a pattern
        // of n bytes contains at most n/7 of them and the whole table costs O(total length).
        var fallback = [Int32](repeating: -1, count: reversed.count)
        for index in reversed.indices {
            let length = reversed[index].count
            var candidate = longestOutput[Int(failure[Int(patternNodes[index])])]
            while candidate >= 0 {
                // The byte after the shorter pattern, read in the longer one (stored reversed).
                let after = reversed[index][length - 1 - reversed[Int(candidate)].count]
                if !Self.isSegmentByte(after) {
                    fallback[index] = candidate
                    break
                }
                candidate = longestOutput[Int(failure[Int(patternNodes[Int(candidate)])])]
            }
        }

        self.ids = ids
        self.patternLengths = reversed.map(\.count)
        self.firstChild = firstChild
        self.nextSibling = nextSibling
        self.label = label
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
                if let next = child(node, byte) {
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

    /// At most 256 siblings, and only below `.output` do nodes fan out.
    private func child(_ node: Int32, _ byte: UInt8) -> Int32? {
        var child = firstChild[Int(node)]
        while child >= 0 {
            if label[Int(child)] == byte { return child }
            child = nextSibling[Int(child)]
        }
        return nil
    }

    static func isSegmentByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
