/// `method SP request-target SP HTTP-version` (RFC 9112 §3), one space each, no CR or LF.
struct RequestLine {
    var method: String
    var target: String
    var path: String
    var query: String?
    var version: HTTPVersion

    static func parse(_ line: ArraySlice<UInt8>) throws(HTTPRequestError) -> RequestLine {
        let parts = line.split(separator: HTTPBytes.space, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw .badRequest("request line must be 'METHOD target HTTP/1.1' with single spaces")
        }
        let (methodBytes, targetBytes, versionBytes) = (parts[0], parts[1], parts[2])
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPBytes.isTokenByte) else {
            throw .badRequest("method is not a token")
        }
        guard !targetBytes.isEmpty, targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .badRequest("request target is empty or holds a control, space or non-ASCII byte")
        }
        let version = try parseVersion(versionBytes)
        let method = String(decoding: methodBytes, as: UTF8.self)
        let target = String(decoding: targetBytes, as: UTF8.self)
        guard !target.contains("#") else { throw .badRequest("request target carries a fragment") }
        let (path, query) = try split(target: target, method: method)
        return RequestLine(method: method, target: target, path: path, query: query, version: version)
    }

    /// `HTTP/1.1` and `HTTP/1.0` are served; any other well-formed `HTTP/d.d` is 505.
    private static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPRequestError) -> HTTPVersion {
        let text = Array(bytes)
        let prefix = Array("HTTP/".utf8)
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard text.count == 8, Array(text[0..<5]) == prefix, isDigit(text[5]), text[6] == UInt8(ascii: "."), isDigit(text[7]) else {
            throw .badRequest("malformed HTTP version")
        }
        let version = HTTPVersion(major: Int(text[5] - UInt8(ascii: "0")), minor: Int(text[7] - UInt8(ascii: "0")))
        guard version == .http1_1 || version == .http1_0 else {
            throw HTTPRequestError(status: 505, reason: "\(version) is not supported; this server speaks HTTP/1.1")
        }
        return version
    }

    private static func split(target: String, method: String) throws(HTTPRequestError) -> (String, String?) {
        if target.hasPrefix("/") { return splitQuery(target) }
        if target == "*" {
            guard method == "OPTIONS" else { throw .badRequest("'*' is a target for OPTIONS only") }
            return ("*", nil)
        }
        let lower = target.lowercased()
        for scheme in ["http://", "https://"] where lower.hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            guard let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return ("/", nil) }
            let (path, query) = splitQuery(String(rest[authorityEnd...]))
            return (path.isEmpty ? "/" : path, query)
        }
        if method == "CONNECT" { return (target, nil) }
        throw .badRequest("request target must start with '/' or be an absolute http(s) URI")
    }

    private static func splitQuery(_ target: String) -> (String, String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }
}
