import CarJSON

/// `$<action_id>.output` references in action parameters (SPEC.md: ids are "referenced by
/// `dependencies` and by `$<id>.output` interpolation").
///
/// - A string that is exactly `$a1.output` becomes a1's output value, of whatever type;
///   `$a1.output.field.sub` picks a member (a numeric segment indexes an array).
/// - An occurrence inside a longer string is replaced by the value's text: strings raw,
///   anything else as compact JSON. There the path is followed as far as it resolves and the
///   rest stays literal, since `see $a1.output.` or `$a1.output.txt` is ordinary prose.
/// - `$` followed by anything that is not a proposal action id and `.output` is left alone.
///
/// Only ids of the proposal are recognised, so ids may hold any characters; path segments are
/// `[A-Za-z0-9_-]+`. Finding them is linear in the string (`ReferenceMatcher`), built once per
/// proposal.
struct ParameterInterpolation {
    /// Outputs of the actions that have succeeded so far.
    let outputs: [String: JSONValue]
    let matcher: ReferenceMatcher

    init(outputs: [String: JSONValue], matcher: ReferenceMatcher) {
        self.outputs = outputs
        self.matcher = matcher
    }

    init(outputs: [String: JSONValue], actionIDs: Set<String>) {
        self.init(outputs: outputs, matcher: ReferenceMatcher(actionIDs: actionIDs))
    }

    /// The action ids a value refers to: the executor turns them into ordering edges, so an
    /// action never reads an output before it exists.
    static func references(in value: JSONValue, matcher: ReferenceMatcher) -> Set<String> {
        var found = Set<String>()
        guard !matcher.isEmpty else { return found }
        visitStrings(value) { text in
            for reference in scan(Array(text.utf8), matcher: matcher) { found.insert(reference.actionID) }
        }
        return found
    }

    static func references(in value: JSONValue, actionIDs: Set<String>) -> Set<String> {
        references(in: value, matcher: ReferenceMatcher(actionIDs: actionIDs))
    }

    func resolve(_ parameters: [String: JSONValue]) throws(InterpolationError) -> [String: JSONValue] {
        var resolved: [String: JSONValue] = [:]
        for (key, value) in parameters { resolved[key] = try resolve(value) }
        return resolved
    }

    func resolve(_ value: JSONValue) throws(InterpolationError) -> JSONValue {
        switch value {
        case .string(let text):
            return try resolve(text)
        case .array(let elements):
            var resolved: [JSONValue] = []
            resolved.reserveCapacity(elements.count)
            for element in elements { resolved.append(try resolve(element)) }
            return .array(resolved)
        case .object(let members):
            var resolved: [String: JSONValue] = [:]
            for (key, member) in members { resolved[key] = try resolve(member) }
            return .object(resolved)
        default:
            return value
        }
    }

    private func resolve(_ text: String) throws(InterpolationError) -> JSONValue {
        guard text.utf8.contains(UInt8(ascii: "$")) else { return .string(text) }
        let bytes = Array(text.utf8)
        let references = Self.scan(bytes, matcher: matcher)
        guard !references.isEmpty else { return .string(text) }

        if references.count == 1, let only = references.first, only.start == 0, only.end == bytes.count {
            let written = String(decoding: bytes, as: UTF8.self)
            let (value, used) = try lookup(only, written: written)
            guard used == only.path.count else {
                throw InterpolationError("'\(written)': \(only.actionID)'s output has no member '\(only.path[used])'"
                                         + (used > 0 ? " under '\(only.path[..<used].joined(separator: "."))'" : ""))
            }
            return value
        }

        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var cursor = 0
        for reference in references {
            result.append(contentsOf: bytes[cursor..<reference.start])
            let written = String(decoding: bytes[reference.start..<reference.end], as: UTF8.self)
            let (value, used) = try lookup(reference, written: written)
            result.append(contentsOf: JSONText.coerced(value).utf8)
            // Unresolved trailing segments were prose after all: put them back.
            for segment in reference.path[used...] {
                result.append(UInt8(ascii: "."))
                result.append(contentsOf: segment.utf8)
            }
            cursor = reference.end
        }
        result.append(contentsOf: bytes[cursor...])
        return .string(String(decoding: result, as: UTF8.self))
    }

    /// The referenced value and how many path segments resolved.
    private func lookup(_ reference: Reference, written: String) throws(InterpolationError) -> (JSONValue, Int) {
        guard var value = outputs[reference.actionID] else {
            throw InterpolationError("'\(written)' refers to action '\(reference.actionID)', which has not succeeded")
        }
        var used = 0
        for segment in reference.path {
            if case .object(let members) = value, let member = members[segment] {
                value = member
            } else if case .array(let elements) = value, let index = Int(segment), elements.indices.contains(index) {
                value = elements[index]
            } else {
                break
            }
            used += 1
        }
        return (value, used)
    }

    struct Reference {
        let actionID: String
        let path: [String]
        /// Byte range of `$id.output.path` in the string.
        let start: Int
        let end: Int
    }

    /// Finds `$<id>.output(.segment)*` occurrences whose id is a proposal action id, left to
    /// right without overlap. When several ids fit (`a` and `a.output.b`), the longest wins.
    static func scan(_ bytes: [UInt8], matcher: ReferenceMatcher) -> [Reference] {
        var references: [Reference] = []
        var consumed = 0
        for match in matcher.matches(in: bytes) where match.start >= consumed {
            var path: [String] = []
            var end = match.afterSuffix
            while end < bytes.count, bytes[end] == UInt8(ascii: "."), end + 1 < bytes.count,
                  ReferenceMatcher.isSegmentByte(bytes[end + 1]) {
                var segmentEnd = end + 1
                while segmentEnd < bytes.count, ReferenceMatcher.isSegmentByte(bytes[segmentEnd]) { segmentEnd += 1 }
                path.append(String(decoding: bytes[(end + 1)..<segmentEnd], as: UTF8.self))
                end = segmentEnd
            }
            references.append(Reference(actionID: match.id, path: path, start: match.start, end: end))
            consumed = end
        }
        return references
    }

    static func scan(_ bytes: [UInt8], actionIDs: Set<String>) -> [Reference] {
        scan(bytes, matcher: ReferenceMatcher(actionIDs: actionIDs))
    }

    private static func visitStrings(_ value: JSONValue, _ body: (String) -> Void) {
        switch value {
        case .string(let text) where text.utf8.contains(UInt8(ascii: "$")): body(text)
        case .array(let elements): for element in elements { visitStrings(element, body) }
        case .object(let members): for member in members.values { visitStrings(member, body) }
        default: break
        }
    }
}

struct InterpolationError: Error, Sendable, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
