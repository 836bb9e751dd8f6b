/// Every Swift identifier the generator emits comes from here, so naming rules live in one place.
enum SwiftNames {
    static let keywords: Set = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "protocol", "public", "rethrows", "static", "struct",
        "subscript", "typealias", "var", "break", "case", "continue", "default", "defer", "do", "else", "fallthrough",
        "for", "guard", "if", "in", "repeat", "return", "switch", "where", "while", "as", "Any", "catch", "false",
        "is", "nil", "super", "self", "Self", "throw", "throws", "true", "try", "await", "async", "some", "any",
    ]

    static func isValidMethodName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            guard let first = part.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
            return part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "/" }
        }
    }

    /// `server.handshake` → `ServerHandshake`, `a2ui/subscribe` → `A2uiSubscribe`.
    static func typeName(forMethod name: String) -> String {
        words(name).map(upperFirst).joined()
    }

    /// Names a nested type may not take: `Foo.Type`, `Foo.Protocol` and `Foo.Self` already
    /// mean something in Swift.
    static let reservedTypeNames: Set = ["Type", "Protocol", "Self"]

    /// `tool_definition` → `ToolDefinition`; an already-camel name is kept; a property called
    /// `type` gives `TypeValue`.
    static func typeName(_ name: String) -> String {
        let joined = words(name).map(upperFirst).joined()
        return reservedTypeNames.contains(joined) ? joined + "Value" : joined
    }

    /// `protocol_version` → `protocolVersion`; keywords are escaped with backticks.
    static func memberName(_ name: String) -> String {
        let parts = words(name)
        guard let first = parts.first else { return "" }
        let joined = lowerFirst(first) + parts.dropFirst().map(upperFirst).joined()
        return escaped(joined)
    }

    /// A plain identifier: ASCII letters, digits and _, not starting with a digit.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static func escaped(_ identifier: String) -> String {
        keywords.contains(identifier) ? "`\(identifier)`" : identifier
    }

    static func lowerFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }

    static func upperFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst()
    }

    private static func words(_ name: String) -> [String] {
        name.split(whereSeparator: { $0 == "." || $0 == "_" || $0 == "/" || $0 == "-" || $0 == " " }).map(String.init)
    }
}
