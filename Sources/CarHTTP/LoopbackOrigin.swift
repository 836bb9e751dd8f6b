/// Whether an origin (`scheme://host[:port]`, http or https) is a page on this machine:
/// 127.0.0.1, localhost or [::1], with any port. Shared by every endpoint that admits browsers.
public enum LoopbackOrigin {
    public static func isLoopback(_ origin: String) -> Bool {
        let lower = origin.lowercased()
        guard let range = lower.firstRange(of: "://"), ["http", "https"].contains(String(lower[..<range.lowerBound])) else { return false }
        var authority = Substring(lower[range.upperBound...])
        guard !authority.isEmpty, !authority.contains(where: { "/?#@ \\".contains($0) }) else { return false }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            let rest = authority[authority.index(after: close)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            authority = authority[...close]
        } else if let colon = authority.firstIndex(of: ":") {
            guard isPort(authority[colon...]) else { return false }
            authority = authority[..<colon]
        }
        return authority == "127.0.0.1" || authority == "localhost" || authority == "[::1]"
    }

    private static func isPort(_ text: Substring) -> Bool {
        let digits = text.dropFirst()
        return text.first == ":" && !digits.isEmpty && digits.count <= 5 && digits.allSatisfy(\.isNumber) && (Int(digits) ?? 70_000) <= 65_535
    }
}
