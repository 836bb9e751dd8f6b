import CarA2UI

/// How a route credential goes on the wire, and how it is kept out of what comes back.
extension A2UIRouteAuth {
    /// Headers a credential may not set: they frame the request or carry its protocol version,
    /// and a second copy would make the request ambiguous.
    static let reservedHeaderNames: Set<String> = [
        "host", "content-length", "content-type", "transfer-encoding", "connection", "a2a-version", "accept", "expect", "upgrade",
    ]

    /// The header the credential travels in. Errors name the header at most, never its value.
    func outboundHeader() throws(A2AError) -> (name: String, value: String) {
        let name: String
        let value: String
        switch self {
        case .bearer(let token):
            name = "Authorization"
            value = "Bearer " + token
            guard !token.isEmpty else { throw A2AError(code: A2AError.invalidParamsCode, message: "routeAuth bearer token is empty") }
        case .header(let headerName, let headerValue):
            name = headerName
            value = headerValue
            guard !headerName.isEmpty, headerName.utf8.count <= 256, headerName.utf8.allSatisfy(Self.isTokenByte) else {
                throw A2AError(code: A2AError.invalidParamsCode, message: "routeAuth header name is not an HTTP header name")
            }
            guard !Self.reservedHeaderNames.contains(headerName.lowercased()) else {
                throw A2AError(code: A2AError.invalidParamsCode, message: "routeAuth header \(headerName) is reserved for the request itself")
            }
        }
        // CR/LF would let a value end the header and start another one.
        guard value.utf8.count <= 8192, value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw A2AError(code: A2AError.invalidParamsCode, message: "routeAuth \(description) has control characters or is longer than 8 KiB")
        }
        return (name, value)
    }

    /// The secret part, for redaction.
    var secret: String {
        switch self {
        case .bearer(let token): token
        case .header(_, let value): value
        }
    }

    /// `text` with every occurrence of the secret replaced: a peer may echo what it was sent.
    func redacting(_ text: String) -> String {
        let secret = secret
        guard !secret.isEmpty, text.contains(secret) else { return text }
        return text.replacingOccurrences(of: secret, with: "<redacted>")
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
