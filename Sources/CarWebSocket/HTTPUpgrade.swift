/// Parsing and answering the HTTP/1.1 upgrade that opens a WebSocket connection.
public enum HTTPUpgrade {
    static let acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// Validates the opening handshake as RFC 6455 §4.2.1 asks. Statuses: 426 when the client
    /// did not ask for a WebSocket at all (no Upgrade header) or wants another version, 400
    /// for everything else, oversized headers included (431 would be more precise, but
    /// clients treat any non-101 the same and 400 keeps the set of answers small).
    public static func parse(_ buffer: [UInt8], maxHeaderBytes: Int = 16384) -> UpgradeParseResult {
        // Refuse what cannot become a request line at once, instead of waiting for a header
        // block that will never come.
        if let problem = requestLinePrefixProblem(buffer) { return .invalid(status: 400, reason: problem) }
        guard let end = headerEnd(buffer, within: maxHeaderBytes) else {
            return buffer.count >= maxHeaderBytes ? .invalid(status: 400, reason: "request headers too large") : .incomplete
        }
        guard let text = String(validating: buffer[..<end], as: UTF8.self) else {
            return .invalid(status: 400, reason: "request headers are not UTF-8")
        }
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first else { return .invalid(status: 400, reason: "empty request") }
        let parts = requestLine.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .invalid(status: 400, reason: "malformed request line") }
        guard parts[2] == "HTTP/1.1" else { return .invalid(status: 400, reason: "HTTP/1.1 required, got \(parts[2])") }
        guard parts[0] == "GET" else { return .invalid(status: 400, reason: "method must be GET, got \(parts[0])") }

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            // A bare CR or LF would make us read two headers as one (or one as two) where a
            // proxy in front of us reads them differently; NUL has no business here either.
            guard !line.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                return .invalid(status: 400, reason: "stray CR, LF or NUL in a header line")
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                return .invalid(status: 400, reason: "malformed header line")
            }
            let name = line[..<colon]
            guard !name.contains(" "), !name.contains("\t") else { return .invalid(status: 400, reason: "malformed header name") }
            let value = line[line.index(after: colon)...].trimmingSpaces()
            headers.append((String(name), value))
        }
        let request = UpgradeRequest(method: String(parts[0]), target: String(parts[1]), headers: headers, key: "")
        guard request.header("Host") != nil else { return .invalid(status: 400, reason: "missing Host header") }
        guard let upgrade = request.header("Upgrade") else {
            return .invalid(status: 426, reason: "this endpoint speaks WebSocket only")
        }
        guard tokens(upgrade).contains("websocket") else { return .invalid(status: 400, reason: "Upgrade must be websocket") }
        guard let connection = request.header("Connection"), tokens(connection).contains("upgrade") else {
            return .invalid(status: 400, reason: "Connection must include Upgrade")
        }
        guard request.header("Sec-WebSocket-Version") == "13" else {
            return .invalid(status: 426, reason: "Sec-WebSocket-Version must be 13")
        }
        guard let key = request.header("Sec-WebSocket-Key"), Base64.decode(key)?.count == 16 else {
            return .invalid(status: 400, reason: "Sec-WebSocket-Key must be 16 bytes of base64")
        }
        var accepted = request
        accepted.key = key
        return .complete(accepted, consumed: end)
    }

    /// Sec-WebSocket-Accept for a client key: base64(SHA-1(key + GUID)).
    public static func acceptValue(key: String) -> String {
        Base64.encode(SHA1.digest(Array((key + acceptGUID).utf8)))
    }

    public static func switchingProtocolsResponse(key: String) -> [UInt8] {
        Array(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(acceptValue(key: key))\r\n\r\n").utf8)
    }

    /// A complete response that ends the connection. 426 also names the version we speak,
    /// as RFC 6455 §4.4 asks, so a client can retry correctly.
    public static func errorResponse(status: Int, reason: String) -> [UInt8] {
        let title = reasonPhrase(status)
        let body = reason + "\n"
        var head = "HTTP/1.1 \(status) \(title)\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
        if status == 426 { head += "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return Array((head + body).utf8)
    }

    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 426: "Upgrade Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    /// Why the bytes so far cannot start `GET <target> HTTP/1.1`, or nil while they still can.
    private static func requestLinePrefixProblem(_ buffer: [UInt8]) -> String? {
        let get = Array("GET ".utf8)
        for (index, byte) in buffer.prefix(4).enumerated() where byte != get[index] {
            return "method must be GET"
        }
        guard let lineEnd = buffer.firstIndex(of: 10) else {
            return buffer.count > 8192 ? "request line too long" : nil
        }
        guard lineEnd > 0, buffer[lineEnd - 1] == 13 else { return "request line must end with CRLF" }
        let line = buffer[..<(lineEnd - 1)]
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty else { return "malformed request line" }
        guard Array(parts[2]) == Array("HTTP/1.1".utf8) else { return "HTTP/1.1 required" }
        return nil
    }

    /// Index just past the CRLFCRLF ending the header block, if it ends within `limit` bytes.
    /// Bytes after it (a pipelined first frame) are not looked at.
    private static func headerEnd(_ buffer: [UInt8], within limit: Int) -> Int? {
        let scanned = min(buffer.count, limit)
        guard scanned >= 4 else { return nil }
        for index in 0...(scanned - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index + 4
        }
        return nil
    }

    /// Comma-separated header tokens, lowercased.
    private static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingSpaces().lowercased() }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
