/// Browser origins allowed to open a WebSocket: loopback pages always, others only when listed
/// (`--allow-origin`). A page on any website can point a WebSocket at 127.0.0.1, and the
/// browser sends its Origin; refusing foreign ones keeps drive-by pages off the daemon even
/// when auth is off.
public struct OriginPolicy: Sendable, Equatable {
    public var allowed: Set<String> = []

    public init(allowed: [String] = []) {
        self.allowed = Set(allowed.compactMap(Self.normalized))
    }

    /// True when a request with this Origin header (nil: none sent) may upgrade.
    public func admits(_ origin: String?) -> Bool {
        guard let origin else { return true }
        guard let normalized = Self.normalized(origin) else { return false }
        return Self.isLoopback(normalized) || allowed.contains(normalized)
    }

    /// `scheme://host[:port]` lowercased, or nil when the text is not an http(s) origin
    /// (`null`, `file://`, paths and credentials are not origins).
    public static func normalized(_ text: String) -> String? {
        let lower = text.lowercased()
        guard let range = lower.range(of: "://") else { return nil }
        let scheme = lower[..<range.lowerBound]
        guard scheme == "http" || scheme == "https" else { return nil }
        let authority = lower[range.upperBound...]
        guard !authority.isEmpty, !authority.contains(where: { "/?#@ \\".contains($0) }) else { return nil }
        return "\(scheme)://\(authority)"
    }

    private static func isLoopback(_ origin: String) -> Bool {
        guard let range = origin.range(of: "://") else { return false }
        var host = Substring(origin[range.upperBound...])
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            host = host[...close]
        } else if let colon = host.firstIndex(of: ":") {
            guard isPort(host[colon...]) else { return false }
            host = host[..<colon]
        }
        return host == "127.0.0.1" || host == "localhost" || host == "[::1]"
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard text.first == ":" else { return false }
        let digits = text.dropFirst()
        return !digits.isEmpty && digits.count <= 5 && digits.allSatisfy(\.isNumber) && (Int(digits) ?? 70000) <= 65535
    }
}
