import CarA2UI

/// An http(s) URL taken apart strictly, so the host the trust gate looks at is the host the
/// transport connects to: anything a lenient parser could read two ways (a backslash, a space,
/// userinfo, a percent-encoded host, non-ASCII) is refused rather than interpreted.
public struct A2AEndpoint: Sendable, Equatable {
    /// "http" or "https", lowercased.
    var scheme: String
    /// Lowercased; an IPv6 literal keeps its brackets (`[::1]`).
    var host: String
    /// Only a port that differs from the scheme's default; nil otherwise.
    var port: Int?
    /// As given: "" or starting with "/".
    public internal(set) var path: String
    /// Without the "?", nil when there is none. May carry a key: never shown.
    var query: String?

    var origin: String { "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")" }

    /// The port a connection goes to, for comparing origins.
    var effectivePort: Int { port ?? (scheme == "https" ? 443 : 80) }

    /// For errors and logs: no userinfo (refused anyway), no query, no fragment.
    var displayed: String { origin + path }

    /// The registry's form: default port dropped, no trailing slash on the path.
    var canonical: String {
        var trimmed = Substring(path)
        while trimmed.last == "/" { trimmed = trimmed.dropLast() }
        return origin + trimmed
    }

    /// What the request goes to: the endpoint as given, minus a fragment (never sent).
    var requestString: String { origin + path + (query.map { "?" + $0 } ?? "") }

    var isLoopback: Bool { A2UIEndpointTrust.isLoopback(origin) }

    func sameOrigin(as other: A2AEndpoint) -> Bool {
        scheme == other.scheme && host == other.host && effectivePort == other.effectivePort
    }

    /// Why a URL was refused. The text never repeats the URL: a query or userinfo may hold a secret.
    public struct Refusal: Error, Sendable, Equatable {
        public var reason: String
    }

    /// `field` names the parameter in the reasons ("endpoint", "url"). With `allowQuery` false a
    /// query or fragment is refused; otherwise a fragment is dropped and a query kept.
    public static func parse(_ text: String, field: String, allowQuery: Bool, maxLength: Int) throws(Refusal) -> A2AEndpoint {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw Refusal(reason: "\(field) is empty") }
        guard bytes.count <= maxLength else { throw Refusal(reason: "\(field) is longer than \(maxLength) bytes") }
        for byte in bytes where !isAllowed(byte) {
            throw Refusal(reason: "\(field) contains a character a URL may not carry unencoded (spaces, controls, non-ASCII, \\ \" < > ^ ` { | })")
        }
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("http://") { scheme = "http" } else if lower.hasPrefix("https://") { scheme = "https" } else {
            throw Refusal(reason: "\(field) must be an http:// or https:// URL")
        }
        let rest = Substring(text).dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let afterAuthority = rest.dropFirst(authority.count)
        guard !authority.contains("@") else {
            throw Refusal(reason: "\(field) must not carry credentials in the URL (user:password@); pass them as routeAuth")
        }
        let (host, port) = try hostAndPort(authority, scheme: scheme, field: field)

        let beforeFragment = afterAuthority.prefix { $0 != "#" }
        let hasFragment = beforeFragment.count < afterAuthority.count
        let path = beforeFragment.prefix { $0 != "?" }
        let query: Substring? = path.count < beforeFragment.count ? beforeFragment.dropFirst(path.count + 1) : nil
        if !allowQuery, query != nil || hasFragment {
            throw Refusal(reason: "\(field) must not have a query or a fragment")
        }
        return A2AEndpoint(scheme: scheme, host: host, port: port, path: String(path), query: query.map(String.init))
    }

    private static func hostAndPort(_ authority: Substring, scheme: String, field: String) throws(Refusal) -> (String, Int?) {
        let host: Substring
        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Refusal(reason: "\(field) has an unclosed IPv6 literal") }
            host = authority[...close]
            let inner = host.dropFirst().dropLast()
            guard !inner.isEmpty, inner.contains(":"), inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw Refusal(reason: "\(field) has an invalid IPv6 literal")
            }
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.first == ":" else { throw Refusal(reason: "\(field) has text after its IPv6 literal") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else {
            host = authority.prefix { $0 != ":" }
            portText = host.count < authority.count ? authority.dropFirst(host.count + 1) : nil
            guard !host.isEmpty else { throw Refusal(reason: "\(field) has no host") }
            // No percent-encoding and no IDNA: a host is plain letters, digits, '-', '.', '_' and '~'.
            guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) }) else {
                throw Refusal(reason: "\(field) has a host with characters other than letters, digits, '-', '.', '_' and '~'")
            }
        }
        var port: Int?
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(\.isNumber), let number = Int(portText), (1...65535).contains(number) else {
                throw Refusal(reason: "\(field) has an invalid port (1-65535)")
            }
            port = number
        }
        if port == (scheme == "https" ? 443 : 80) { port = nil }
        return (host.lowercased(), port)
    }

    /// Printable ASCII except what RFC 3986 never allows unencoded and what some parsers treat
    /// as a separator (a backslash is a path separator to WHATWG parsers).
    private static func isAllowed(_ byte: UInt8) -> Bool {
        guard byte > 0x20 && byte < 0x7F else { return false }
        switch byte {
        case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "^"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"):
            return false
        default:
            return true
        }
    }
}
