import CarJSON

/// One walk over a message bounding what its size check does not: nesting depth (so later
/// recursive checks cannot run deep) and the bytes of every string. A refusal names where it
/// is, as a JSON Pointer into the message.
struct A2UIBounds {
    let limits: A2UILimits

    func check(_ value: JSONValue) throws(A2UIError) {
        try walk(value, depth: 0)
    }

    private func walk(_ value: JSONValue, depth: Int) throws(A2UIError) {
        guard depth < limits.maxDepth else { throw tooDeep() }
        switch value {
        case .string(let text):
            guard text.utf8.count <= limits.maxStringBytes else {
                throw A2UIError(.limitExceeded, "a string of \(text.utf8.count) bytes; the limit is \(limits.maxStringBytes)")
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                do { try walk(element, depth: depth + 1) } catch { throw error.at("/\(index)") }
            }
        case .object(let members):
            for (key, member) in members {
                guard key.utf8.count <= limits.maxStringBytes else {
                    throw A2UIError(.limitExceeded, "a key of \(key.utf8.count) bytes; the limit is \(limits.maxStringBytes)",
                                    path: "/" + A2UIPointer.escape(String(key.prefix(64))))
                }
                // Every `path` is a JSON Pointer (absolute or relative): the validator checks
                // them all, wherever they sit, so a binding with a broken one never lands.
                if key == "path" || key == "@path", case .string(let pointer) = member, !A2UIPointer.isWellFormed(pointer) {
                    throw A2UIError(.invalidMessage, "path \"\(pointer.prefix(200))\" is not a JSON Pointer (~ must be followed by 0 or 1)",
                                    path: "/" + A2UIPointer.escape(key))
                }
                do { try walk(member, depth: depth + 1) } catch { throw error.at("/" + A2UIPointer.escape(key)) }
            }
        default:
            return
        }
    }

    /// How deep a value nests (a scalar is 0). Only called on values this walk bounded.
    static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let elements): return 1 + (elements.lazy.map(depth).max() ?? 0)
        case .object(let members): return 1 + (members.values.lazy.map(depth).max() ?? 0)
        default: return 0
        }
    }

    private func tooDeep() -> A2UIError {
        A2UIError(.limitExceeded, "the message nests deeper than \(limits.maxDepth) levels")
    }
}
