/// Double-quoted text with the escapes JSON and Swift share; the two differ only in how a
/// control character is spelled, which the caller supplies.
enum QuotedText {
    static func quote(_ text: String, control: (UInt32) -> String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += control(c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
