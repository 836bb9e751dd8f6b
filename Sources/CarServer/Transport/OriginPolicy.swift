import CarHTTP

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
        return LoopbackOrigin.isLoopback(normalized) || allowed.contains(normalized)
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
}
