import CarJSON

/// The basic catalog's theme: `primaryColor` (#RRGGBB), `iconUrl` and
/// `agentDisplayName`; other keys are allowed and kept.
enum A2UITheme {
    static func check(_ theme: [String: JSONValue], surfaceID: String) throws(A2UIError) {
        func fail(_ key: String, _ why: String) -> A2UIError {
            A2UIError(.invalidMessage, "theme.\(key) \(why)", path: "/createSurface/theme/\(key)", surfaceID: surfaceID)
        }
        if let value = theme["primaryColor"] {
            guard let color = value.stringValue else { throw fail("primaryColor", "must be a string") }
            let digits = color.utf8.dropFirst()
            guard color.utf8.first == UInt8(ascii: "#"), digits.count == 6, digits.allSatisfy({ isHex($0) }) else {
                throw fail("primaryColor", "must be a hexadecimal colour like #00BFFF")
            }
        }
        if let value = theme["iconUrl"] {
            // A string: renderers resolve it (the validator holds it to no URI syntax either).
            guard value.stringValue != nil else { throw fail("iconUrl", "must be a string") }
        }
        if let value = theme["agentDisplayName"], value.stringValue == nil {
            throw fail("agentDisplayName", "must be a string")
        }
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
    }
}
