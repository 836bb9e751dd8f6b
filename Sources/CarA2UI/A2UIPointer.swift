import CarJSON

/// RFC 6901 JSON Pointers over a surface's data model: what `updateDataModel` writes with.
enum A2UIPointer {
    static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var escaped = ""
        for character in token {
            switch character {
            case "~": escaped += "~0"
            case "/": escaped += "~1"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// True when every ~ is followed by 0 or 1.
    static func isWellFormed(_ pointer: String) -> Bool {
        let bytes = Array(pointer.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "~") {
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "0") || bytes[index + 1] == UInt8(ascii: "1") else { return false }
        }
        return true
    }

    /// The reference tokens of `pointer`. As A2UI renderers read data-model paths: a relative
    /// path ("a/b") is taken from the root, and empty segments are skipped, so "", "/" and "//"
    /// all name the whole model.
    static func tokens(_ pointer: String) throws(A2UIError) -> [String] {
        var tokens: [String] = []
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: true) {
            var token = ""
            var index = raw.startIndex
            while index < raw.endIndex {
                let character = raw[index]
                if character == "~" {
                    let next = raw.index(after: index)
                    guard next < raw.endIndex, raw[next] == "0" || raw[next] == "1" else {
                        throw A2UIError(.invalidMessage, "path \"\(pointer)\" has a ~ not followed by 0 or 1", path: "/path")
                    }
                    token.append(raw[next] == "0" ? "~" : "/")
                    index = raw.index(after: next)
                } else {
                    token.append(character)
                    index = raw.index(after: index)
                }
            }
            tokens.append(token)
        }
        return tokens
    }

    /// How far past an array's end a write may reach (the gap is filled with nulls).
    static let maxArrayGap = 1_024

    /// `document` with the value at `tokens` set to `value` (nil removes it). Missing objects
    /// on the way are created; an array takes numeric indexes only (a gap past its end is
    /// filled with nulls).
    static func write(_ value: JSONValue?, at tokens: ArraySlice<String>, in document: JSONValue?, pointer: String) throws(A2UIError) -> JSONValue? {
        guard let token = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch document {
        case .array(var elements)?:
            guard let index = Int(token), index >= 0, token == String(index) else {
                throw A2UIError(.invalidMessage, "path \"\(pointer)\" indexes an array with \"\(token)\"", path: "/path")
            }
            guard index <= elements.count + maxArrayGap else {
                throw A2UIError(.limitExceeded, "path \"\(pointer)\" reaches more than \(maxArrayGap) past the end of an array of \(elements.count)",
                                path: "/path")
            }
            if index > elements.count, value != nil { elements.append(contentsOf: repeatElement(.null, count: index - elements.count)) }
            let current = index < elements.count ? elements[index] : nil
            let updated = try write(value, at: rest, in: current, pointer: pointer)
            if let updated {
                if index < elements.count { elements[index] = updated } else { elements.append(updated) }
            } else if index < elements.count {
                // A2UI: deleting an array element leaves it undefined; the length stays.
                elements[index] = .null
            }
            return .array(elements)
        case .object(var members)?:
            let updated = try write(value, at: rest, in: members[token], pointer: pointer)
            members[token] = updated
            return .object(members)
        case nil, .null?:
            guard value != nil else { return document }
            // A missing container is made as renderers make it: an array under a numeric
            // token, an object otherwise.
            if let index = Int(token), index >= 0, token == String(index) {
                return try write(value, at: tokens, in: .array([]), pointer: pointer)
            }
            let updated = try write(value, at: rest, in: nil, pointer: pointer)
            return .object([token: updated ?? .null])
        default:
            throw A2UIError(.invalidMessage, "path \"\(pointer)\" goes through a \(document!.typeName), not an object or array", path: "/path")
        }
    }
}
