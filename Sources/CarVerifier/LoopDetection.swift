import CarIR
import CarJSON

/// Repeated identical tool calls: same tool, and parameters the reference would serialise to
/// the same text (so `1` and `1.0` differ, and so do `0.0` and `-0.0`). The count is exact;
/// calling it a loop is the guess, hence the `heuristic` tier: two calls are a warning, three or
/// more an error.
///
/// The reference serialises the top-level parameters in hash-map order, so it sometimes misses
/// identical calls with two or more parameter keys; we compare them as values and always find
/// them (corpus case `duplicate_call_multi_key_params`).
enum LoopDetection {
    static func issues(_ actions: [Action]) -> [VerifyIssue] {
        // One representative per distinct call, grouped by tool and a fingerprint of the
        // parameters: only calls whose fingerprints agree are compared value by value, so a
        // proposal of many distinct calls to one tool costs a pass, not a comparison per pair.
        var groups: [(representative: Int, count: Int)] = []
        var groupsByCall: [CallKey: [Int]] = [:]
        for index in actions.indices where actions[index].kind == .toolCall {
            guard let tool = actions[index].tool else { continue }
            let key = CallKey(tool: tool, fingerprint: Fingerprint.of(parameters: actions[index].parameters))
            let parameters = actions[index].parameters
            if let match = groupsByCall[key]?.first(where: { sameMembers(actions[groups[$0].representative].parameters, parameters) }) {
                groups[match].count += 1
            } else {
                groupsByCall[key, default: []].append(groups.count)
                groups.append((index, 1))
            }
        }
        // The reference reports groups in hash order; first appearance is our stable choice.
        return groups.filter { $0.count >= 2 }.map { group in
            let tool = actions[group.representative].tool!
            return group.count == 2
                ? VerifyIssue(actionID: "proposal", severity: .warning, message: "duplicate tool call: \(tool) (2x)", tier: .heuristic)
                : VerifyIssue(actionID: "proposal", severity: .error, message: "repeated identical tool call: \(tool) (\(group.count)x) — likely loop", tier: .heuristic)
        }
    }

    /// True when both values serialise to the same bytes. Strings and keys compare as bytes,
    /// not by Swift's canonical equivalence; a double never equals an integer (its text always
    /// has a `.` or an exponent); doubles compare by value and sign, which for finite values is
    /// equality of their shortest text.
    static func sameText(_ left: JSONValue, _ right: JSONValue) -> Bool {
        switch (left, right) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b && a.sign == b.sign
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { sameText($0, $1) }
        case (.object(let a), .object(let b)):
            return sameMembers(a, b)
        default:
            return false
        }
    }

    static func sameMembers(_ a: [String: JSONValue], _ b: [String: JSONValue]) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a {
            guard let index = b.index(forKey: key) else { return false }
            let (otherKey, otherValue) = b[index]
            guard key.utf8.elementsEqual(otherKey.utf8), sameText(value, otherValue) else { return false }
        }
        return true
    }

    private struct CallKey: Hashable {
        var tool: String
        var fingerprint: UInt64
    }
}

/// A hash of a JSON value that agrees whenever `LoopDetection.sameText` does: strings and keys
/// by their bytes, numbers by kind and exact value (a double's sign included), object members
/// regardless of order. FNV-1a, so it needs no seeding; a collision only costs a comparison.
enum Fingerprint {
    private static let prime: UInt64 = 0x100000001b3
    private static let basis: UInt64 = 0xcbf29ce484222325

    static func of(parameters: [String: JSONValue]) -> UInt64 {
        var hash = basis
        mix(members: parameters, into: &hash)
        return hash
    }

    private static func mix(_ value: JSONValue, into hash: inout UInt64) {
        switch value {
        case .null: mix(byte: 0, into: &hash)
        case .bool(let flag): mix(byte: flag ? 2 : 1, into: &hash)
        case .int(let number): mix(byte: 3, into: &hash); mix(word: UInt64(bitPattern: number), into: &hash)
        case .double(let number):
            // Equal doubles of equal sign have equal bits, except that sameText never matches NaN.
            mix(byte: 4, into: &hash); mix(word: number.bitPattern, into: &hash)
        case .string(let text): mix(byte: 5, into: &hash); mix(text, into: &hash)
        case .array(let elements):
            mix(byte: 6, into: &hash)
            mix(word: UInt64(elements.count), into: &hash)
            for element in elements { mix(element, into: &hash) }
        case .object(let members): mix(byte: 7, into: &hash); mix(members: members, into: &hash)
        }
    }

    /// Members in any order give the same hash: each member hashes alone, and the results add.
    private static func mix(members: [String: JSONValue], into hash: inout UInt64) {
        var sum: UInt64 = 0
        for (key, value) in members {
            var member = basis
            mix(key, into: &member)
            mix(value, into: &member)
            sum &+= member
        }
        mix(word: UInt64(members.count), into: &hash)
        mix(word: sum, into: &hash)
    }

    private static func mix(_ text: String, into hash: inout UInt64) {
        for byte in text.utf8 { mix(byte: byte, into: &hash) }
        mix(byte: 0xFF, into: &hash)  // not valid UTF-8, so it ends the string unambiguously
    }

    private static func mix(word: UInt64, into hash: inout UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { mix(byte: UInt8(truncatingIfNeeded: word >> UInt64(shift)), into: &hash) }
    }

    @inline(__always) private static func mix(byte: UInt8, into hash: inout UInt64) {
        hash = (hash ^ UInt64(byte)) &* prime
    }
}
