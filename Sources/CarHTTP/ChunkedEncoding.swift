/// `Transfer-Encoding: chunked` framing for a response body written in pieces (RFC 9112 §7.1).
public enum ChunkedEncoding {
    /// One chunk: size in hex, CRLF, the bytes, CRLF. Empty input gives no bytes at all,
    /// since an empty chunk would end the body.
    public static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        var out = Array((String(bytes.count, radix: 16, uppercase: true) + "\r\n").utf8)
        out.reserveCapacity(out.count + bytes.count + 2)
        out.append(contentsOf: bytes)
        out.append(contentsOf: [HTTPBytes.cr, HTTPBytes.lf])
        return out
    }

    /// The zero chunk with no trailers: the body is over, the connection may carry the next
    /// response.
    public static let last: [UInt8] = Array("0\r\n\r\n".utf8)
}
