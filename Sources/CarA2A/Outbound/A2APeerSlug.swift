/// Peer slugs: identifier-safe names (`a-z`, `0-9`, `-`) derived from the host, since they
/// become a segment of skill identifiers (`<slug>/<skill>`).
enum A2APeerSlug {
    static let maxLength = 48

    static func isValid(_ slug: String) -> Bool {
        !slug.isEmpty && slug.utf8.count <= 64
            && slug.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
            && slug.first != "-" && slug.last != "-"
    }

    /// `127.0.0.1` → `127-0-0-1`, `[::1]` → `1`, `Agents.Example.com` → `agents-example-com`;
    /// then `-2`, `-3`… until it is not in `taken`. `taken` holds at most the registry's
    /// peer limit, so one of the first `taken.count + 1` candidates is free.
    static func derive(host: String, taken: Set<String>) -> String {
        var base = ""
        var pendingDash = false
        for byte in host.lowercased().utf8 {
            let keep = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            if keep {
                if pendingDash && !base.isEmpty { base.append("-") }
                pendingDash = false
                base.append(Character(Unicode.Scalar(byte)))
                if base.utf8.count >= maxLength { break }
            } else {
                pendingDash = true
            }
        }
        if base.isEmpty { base = "peer" }
        guard taken.contains(base) else { return base }
        for suffix in 2...(taken.count + 2) where !taken.contains("\(base)-\(suffix)") {
            return "\(base)-\(suffix)"
        }
        return "\(base)-\(taken.count + 3)"
    }
}
